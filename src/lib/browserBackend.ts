// Pick the fastest tfjs backend this browser offers: WebGL, then WASM (its .wasm files are bundled
// by Vite and served from the site itself), then plain JavaScript.
import * as tf from '@tensorflow/tfjs';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import wasmPlain from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm.wasm?url';
import wasmSimd from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-simd.wasm?url';
import wasmThreaded from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-threaded-simd.wasm?url';

export const BACKEND_ORDER = ['webgl', 'wasm', 'cpu'] as const;

/** Initialise the first backend that works (or the one named); returns its name. */
export async function initBrowserBackend(only?: string): Promise<string> {
  setWasmPaths({
    'tfjs-backend-wasm.wasm': wasmPlain,
    'tfjs-backend-wasm-simd.wasm': wasmSimd,
    'tfjs-backend-wasm-threaded-simd.wasm': wasmThreaded,
  });
  for (const name of only ? [only] : BACKEND_ORDER) {
    try {
      if (await tf.setBackend(name)) {
        await tf.ready();
        return name;
      }
    } catch {
      // try the next one
    }
  }
  throw new Error(`no tfjs backend could start (tried ${only ?? BACKEND_ORDER.join(', ')})`);
}
