// The saliency panel's state: which face is being explained, and its maps once computed.
import * as tf from '@tensorflow/tfjs';
import { writable } from 'svelte/store';
import { heatmapPixels, SALIENCY_METHODS, type SaliencyMethod, saliencyMap, type SaliencyTarget } from '../lib/saliency';
import { analyzerReady, type FaceResult } from './state';

export interface SaliencyView {
  face: FaceResult;
  label: string;
  status: 'computing' | 'ready' | 'error';
  message?: string;
  /** Data URLs of coloured maps, by target and method, in computation order. */
  maps: { target: SaliencyTarget; method: SaliencyMethod; url: string }[];
}

export const saliency = writable<SaliencyView | null>(null);

async function faceTensor(url: string): Promise<tf.Tensor3D> {
  const img = new Image();
  img.src = url;
  await img.decode();
  return tf.browser.fromPixels(img, 3);
}

function mapToUrl(values: Float32Array, size: number): string {
  const canvas = document.createElement('canvas');
  canvas.width = canvas.height = size;
  canvas.getContext('2d')!.putImageData(new ImageData(heatmapPixels(values) as Uint8ClampedArray<ArrayBuffer>, size, size), 0, 0);
  return canvas.toDataURL('image/png');
}

let current = 0;

/** Compute all maps (plain gradients, integrated gradients, SmoothGrad for age and gender) for one face. */
export async function explainFace(face: FaceResult, label: string): Promise<void> {
  const run = ++current;
  saliency.set({ face, label, status: 'computing', maps: [] });
  const analyzer = await analyzerReady();
  if (!analyzer) {
    saliency.set({ face, label, status: 'error', message: 'the model failed to load', maps: [] });
    return;
  }
  const pixels = await faceTensor(face.alignedUrl);
  try {
    for (const target of ['age', 'gender'] as const) {
      for (const method of SALIENCY_METHODS) {
        const map = await saliencyMap(analyzer.model, pixels, target, method);
        const values = (await map.data()) as Float32Array;
        map.dispose();
        if (run !== current) return; // another face was chosen meanwhile
        const url = mapToUrl(values, analyzer.model.metadata.inputSize);
        saliency.update((v) => (v ? { ...v, maps: [...v.maps, { target, method, url }] } : v));
      }
    }
    saliency.update((v) => (v && run === current ? { ...v, status: 'ready' } : v));
  } catch (e) {
    saliency.set({ face, label, status: 'error', message: e instanceof Error ? e.message : String(e), maps: [] });
  } finally {
    pixels.dispose();
  }
}

export function closeSaliency(): void {
  current++;
  saliency.set(null);
}
