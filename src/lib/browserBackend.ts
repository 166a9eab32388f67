// Pick the fastest tfjs backend this browser offers: WebGL, then WASM (its .wasm files are bundled
// by Vite and served from the site itself), then plain JavaScript.
import * as tf from '@tensorflow/tfjs';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import wasmPlain from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm.wasm?url';
import wasmSimd from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-simd.wasm?url';
import wasmThreaded from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-threaded-simd.wasm?url';

export const BACKEND_ORDER = ['webgl', 'wasm', 'cpu'] as const;

/** Initialise the first backend that works (or the one named), skipping those in `exclude`; returns its name. */
export async function initBrowserBackend(only?: string, exclude: readonly string[] = []): Promise<string> {
  setWasmPaths({
    'tfjs-backend-wasm.wasm': wasmPlain,
    'tfjs-backend-wasm-simd.wasm': wasmSimd,
    'tfjs-backend-wasm-threaded-simd.wasm': wasmThreaded,
  });
  const candidates = (only ? [only] : [...BACKEND_ORDER]).filter((name) => !exclude.includes(name));
  for (const name of candidates) {
    try {
      if (await tf.setBackend(name)) {
        await tf.ready();
        return name;
      }
    } catch {
      // try the next one
    }
  }
  throw new Error(`no tfjs backend could start (tried ${candidates.join(', ') || 'none'})`);
}

/**
 * Call `onLost` once if the running backend's GPU context is lost (a GPU reset, a driver update, the browser
 * reclaiming contexts): its tensors, the models' weights among them, are gone. Backends without one never are.
 */
export function whenBackendLost(onLost: () => void): void {
  if (tf.getBackend() !== 'webgl') return;
  const gl = (tf.backend() as unknown as { gpgpu: { gl: WebGLRenderingContext } }).gpgpu.gl;
  gl.canvas.addEventListener('webglcontextlost', onLost, { once: true });
}
