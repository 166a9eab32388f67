// Pick the fastest tfjs backend this browser offers: WebGPU (only if it agrees with the CPU on a check
// image), WebGL, WASM with SIMD (its .wasm files are bundled by Vite and served from the site itself),
// then plain JavaScript.
import * as tf from '@tensorflow/tfjs';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import wasmPlain from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm.wasm?url';
import wasmSimd from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-simd.wasm?url';
import wasmThreaded from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-threaded-simd.wasm?url';
import { AgeGenderModel } from '../lib/model';

export const BACKEND_ORDER = ['webgpu', 'webgl', 'wasm', 'cpu'] as const;

export interface BackendChoice {
  /** The backend to use; every other one is skipped. */
  only?: string;
  /** Backends not to try again (lost their GPU context). */
  exclude?: readonly string[];
  /** The age/gender model, to check a WebGPU backend against the CPU before trusting it. */
  model: tf.io.ModelArtifacts;
}

export interface ChosenBackend {
  name: string;
  /** Why this one: the faster ones skipped, the way WASM runs. */
  note?: string;
}

/** A WebGPU estimate may differ from the CPU's by this much (rounding), no more. */
const WEBGPU_TOLERANCE = { age: 0.5, femaleProbability: 0.02 };

/** Initialise the first backend that works (or the one named), skipping those excluded. */
export async function initBrowserBackend({ only, exclude = [], model }: BackendChoice): Promise<ChosenBackend> {
  setWasmPaths({
    'tfjs-backend-wasm.wasm': wasmPlain,
    'tfjs-backend-wasm-simd.wasm': wasmSimd,
    'tfjs-backend-wasm-threaded-simd.wasm': wasmThreaded,
  });
  // tfjs 4.22's threaded WASM cannot start its threads from a bundled site: each pthread worker fails to
  // importScripts() the glue tfjs hands it as a blob, on the page and in a worker alike, and the backend
  // never becomes ready. One thread, then; the site is cross-origin isolated for the day it works.
  tf.env().set('WASM_HAS_MULTITHREAD_SUPPORT', false);
  const skipped: string[] = [];
  const candidates = (only ? [only] : [...BACKEND_ORDER]).filter((name) => !exclude.includes(name));
  for (const name of candidates) {
    try {
      if (name === 'webgpu') {
        if (!('gpu' in navigator)) { skipped.push('this browser has no WebGPU'); continue; }
        await import('@tensorflow/tfjs-backend-webgpu'); // registers the backend; downloaded only here
      }
      if (!(await tf.setBackend(name))) { skipped.push(`${name} did not start`); continue; }
      await tf.ready();
      if (name === 'webgpu') {
        const disagreement = await webgpuDisagreement(model);
        if (disagreement) { skipped.push(disagreement); continue; }
      }
      const note = [only ? `chosen by ?backend=${only}` : '', ...skipped].filter(Boolean).join('; ');
      return { name, note: note || undefined };
    } catch (e) {
      skipped.push(`${name} failed (${e instanceof Error ? e.message : String(e)})`);
    }
  }
  throw new Error(`no tfjs backend could start (tried ${candidates.join(', ') || 'none'}: ${skipped.join('; ')})`);
}

/**
 * Null if the model gives the same estimate on WebGPU as on the CPU for a fixed check image, else
 * why not: some GPUs and drivers compute wrong results, and wrong ages are worse than slow ones.
 * The check image is a smooth synthetic pattern, not a face: the site ships no photo of anyone.
 */
async function webgpuDisagreement(artifacts: tf.io.ModelArtifacts): Promise<string | null> {
  const estimateOn = async (backend: string) => {
    await tf.setBackend(backend);
    const model = await AgeGenderModel.load(tf.io.fromMemory(artifacts));
    const s = model.metadata.inputSize;
    const image = tf.tidy(() => {
      const [x, y] = tf.meshgrid(tf.linspace(0, 1, s), tf.linspace(0, 1, s));
      return tf.stack([x.mul(7).sin(), y.mul(5).cos(), x.add(y).mul(3).sin()], 2).add(1).mul(127.5) as tf.Tensor3D;
    });
    try {
      return (await model.estimate([image]))[0];
    } finally {
      image.dispose();
      model.dispose();
    }
  };
  const cpu = await estimateOn('cpu');
  const gpu = await estimateOn('webgpu');
  const fine = Math.abs(gpu.age - cpu.age) <= WEBGPU_TOLERANCE.age
    && Math.abs(gpu.femaleProbability - cpu.femaleProbability) <= WEBGPU_TOLERANCE.femaleProbability;
  return fine ? null : `WebGPU's estimate of the check image differs from the CPU's (age ${gpu.age.toFixed(1)} against ${cpu.age.toFixed(1)}, `
    + `female ${gpu.femaleProbability.toFixed(3)} against ${cpu.femaleProbability.toFixed(3)})`;
}

/**
 * Call `onLost` once if the running backend's GPU context is lost (a GPU reset, a driver update, the browser
 * reclaiming contexts): its tensors, the models' weights among them, are gone. Backends without one never are.
 */
export function whenContextLost(onLost: () => void): void {
  if (tf.getBackend() !== 'webgl') return;
  const gl = (tf.backend() as unknown as { gpgpu: { gl: WebGLRenderingContext } }).gpgpu.gl;
  gl.canvas.addEventListener('webglcontextlost', onLost, { once: true });
}
