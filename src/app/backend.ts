// Pick the fastest tfjs backend this browser offers, by timing the model on each that starts: WebGPU (only
// if it agrees with the CPU on a check image), WebGL on a real GPU, WASM with SIMD (its .wasm files are
// bundled by Vite and served from the site itself); plain JavaScript only when none of them starts.
import * as tf from '@tensorflow/tfjs';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import wasmPlain from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm.wasm?url';
import wasmSimd from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-simd.wasm?url';
import wasmThreaded from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-threaded-simd.wasm?url';
import { AgeGenderModel } from '../lib/model';
import { CHIP_SIZE } from '../lib/preprocess';

export const BACKEND_ORDER = ['webgpu', 'webgl', 'wasm', 'cpu'] as const;
/** The backends timed against each other; plain JavaScript is always the slowest, so it is only the fallback. */
const TIMED = new Set(['webgpu', 'webgl', 'wasm']);
/** A GPU adapter or WebGL renderer that is a CPU pretending (VMs, remote desktops, no driver): never faster than WASM. */
const SOFTWARE_RENDERER = /swiftshader|llvmpipe|softpipe|software|basic render|lavapipe/i;

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
  /** Why this one: the times measured, the backends skipped and why. */
  note?: string;
  /** The model's milliseconds per face on it, when the choice timed it (live video's "auto" reads it). */
  msPerFace?: number;
}

/** A WebGPU estimate may differ from the CPU's by this much (rounding), no more. */
const WEBGPU_TOLERANCE = { age: 0.5, femaleProbability: 0.02 };

/** Initialise the fastest backend that works, timed on one face (or the one named), skipping those excluded. */
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
  const timed: { name: string; ms: number }[] = [];
  const candidates = (only ? [only] : [...BACKEND_ORDER]).filter((name) => !exclude.includes(name));
  for (const name of candidates) {
    if (!only && name === 'cpu' && timed.length) break;
    try {
      if (name === 'webgpu') {
        if (!('gpu' in navigator)) {
          skipped.push('this browser has no WebGPU');
          continue;
        }
        await import('@tensorflow/tfjs-backend-webgpu'); // registers the backend; downloaded only here
      }
      if (!(await tf.setBackend(name))) {
        skipped.push(`${name} did not start`);
        continue;
      }
      await tf.ready();
      const software = only ? null : softwareRenderer(name);
      if (software) {
        skipped.push(`${name} renders in software (${software})`);
        continue;
      }
      if (name === 'webgpu') {
        const disagreement = await webgpuDisagreement(model);
        if (disagreement) {
          skipped.push(disagreement);
          continue;
        }
      }
      if (only || !TIMED.has(name)) {
        const note = [only ? `chosen by ?backend=${only}` : '', ...skipped].filter(Boolean).join('; ');
        return { name, note: note || undefined };
      }
      timed.push({ name, ms: await msPerEstimate(model) });
    } catch (e) {
      skipped.push(`${name} failed (${e instanceof Error ? e.message : String(e)})`);
    }
  }
  if (timed.length) {
    const fastest = timed.reduce((a, b) => (b.ms < a.ms ? b : a));
    await tf.setBackend(fastest.name);
    const times = timed.map((t) => `${t.name} ${Math.round(t.ms)} ms`).join(', ');
    return {
      name: fastest.name,
      note: [`fastest of those timed on one face (${times})`, ...skipped].join('; '),
      msPerFace: fastest.ms,
    };
  }
  throw new Error(`no tfjs backend could start (tried ${candidates.join(', ') || 'none'}: ${skipped.join('; ')})`);
}

/** The renderer's name if the running GPU backend draws in software, else null. */
function softwareRenderer(name: string): string | null {
  let renderer = '';
  if (name === 'webgl') {
    const gl = (tf.backend() as unknown as { gpgpu: { gl: WebGLRenderingContext } }).gpgpu.gl;
    const info = gl.getExtension('WEBGL_debug_renderer_info');
    renderer = String(gl.getParameter(info ? info.UNMASKED_RENDERER_WEBGL : gl.RENDERER) ?? '');
  } else if (name === 'webgpu') {
    const adapter = (
      tf.backend() as unknown as { adapterInfo?: { vendor?: string; architecture?: string; description?: string } }
    ).adapterInfo;
    renderer = [adapter?.vendor, adapter?.architecture, adapter?.description].filter(Boolean).join(' ');
  }
  return SOFTWARE_RENDERER.test(renderer) ? renderer.match(SOFTWARE_RENDERER)![0] : null;
}

/** The model's time for one face on the current backend, loaded from `artifacts` for the timing only. */
async function msPerEstimate(artifacts: tf.io.ModelArtifacts): Promise<number> {
  const model = await AgeGenderModel.load(tf.io.fromMemory(artifacts));
  try {
    return await msPerFace(model);
  } finally {
    model.dispose();
  }
}

/** A model's time for one aligned face on the current backend, after a first call that compiles its kernels: the best of three. */
export async function msPerFace(model: AgeGenderModel): Promise<number> {
  const face = checkImage(CHIP_SIZE);
  try {
    await model.estimate([face]);
    const times: number[] = [];
    for (let i = 0; i < 3; i++) {
      const start = performance.now();
      await model.estimate([face]);
      times.push(performance.now() - start);
    }
    return Math.min(...times);
  } finally {
    face.dispose();
  }
}

/** A smooth synthetic pattern, not a face: made in memory, no file to fetch, and the same input on every backend. */
function checkImage(size: number): tf.Tensor3D {
  return tf.tidy(() => {
    const [x, y] = tf.meshgrid(tf.linspace(0, 1, size), tf.linspace(0, 1, size));
    return tf
      .stack([x.mul(7).sin(), y.mul(5).cos(), x.add(y).mul(3).sin()], 2)
      .add(1)
      .mul(127.5) as tf.Tensor3D;
  });
}

/**
 * Null if the model gives the same estimate on WebGPU as on the CPU for a fixed check image, else
 * why not: some GPUs and drivers compute wrong results, and wrong ages are worse than slow ones.
 */
async function webgpuDisagreement(artifacts: tf.io.ModelArtifacts): Promise<string | null> {
  const estimateOn = async (backend: string) => {
    await tf.setBackend(backend);
    const model = await AgeGenderModel.load(tf.io.fromMemory(artifacts));
    const image = checkImage(model.metadata.inputSize);
    try {
      return (await model.estimate([image]))[0];
    } finally {
      image.dispose();
      model.dispose();
    }
  };
  const cpu = await estimateOn('cpu');
  const gpu = await estimateOn('webgpu');
  const fine =
    Math.abs(gpu.age - cpu.age) <= WEBGPU_TOLERANCE.age &&
    Math.abs(gpu.femaleProbability - cpu.femaleProbability) <= WEBGPU_TOLERANCE.femaleProbability;
  return fine
    ? null
    : `WebGPU's estimate of the check image differs from the CPU's (age ${gpu.age.toFixed(1)} against ${cpu.age.toFixed(1)}, ` +
        `female ${gpu.femaleProbability.toFixed(3)} against ${cpu.femaleProbability.toFixed(3)})`;
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
