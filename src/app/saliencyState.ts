// The saliency panel's state: which face is being explained, and its maps once computed.
import { writable } from 'svelte/store';
import { SALIENCY_METHODS, type SaliencyMethod, type SaliencyTarget } from '../lib/heatmap';
import type { SaliencyImage } from './analysisService';
import { analysis, type FaceResult } from './state';

export interface SaliencyView {
  face: FaceResult;
  label: string;
  status: 'computing' | 'ready' | 'error';
  message?: string;
  /** Data URLs of coloured maps, by target and method, in computation order. */
  maps: { target: SaliencyTarget; method: SaliencyMethod; url: string }[];
}

export const saliency = writable<SaliencyView | null>(null);

function mapToUrl({ pixels, size }: SaliencyImage): string {
  const canvas = document.createElement('canvas');
  canvas.width = canvas.height = size;
  canvas.getContext('2d')!.putImageData(new ImageData(pixels as Uint8ClampedArray<ArrayBuffer>, size, size), 0, 0);
  return canvas.toDataURL('image/png');
}

let current = 0;

/** Compute all maps (every method, for age and for gender) for one face, showing each as it comes. */
export async function explainFace(face: FaceResult, label: string): Promise<void> {
  const run = ++current;
  saliency.set({ face, label, status: 'computing', maps: [] });
  try {
    const service = await analysis();
    for (const target of ['age', 'gender'] as const) {
      for (const method of SALIENCY_METHODS) {
        const map = await service.explain(face.aligned, target, method);
        if (run !== current) return; // another face was chosen meanwhile
        saliency.update((v) => (v ? { ...v, maps: [...v.maps, { target, method, url: mapToUrl(map) }] } : v));
      }
    }
    saliency.update((v) => (v && run === current ? { ...v, status: 'ready' } : v));
  } catch (e) {
    if (run === current)
      saliency.set({ face, label, status: 'error', message: e instanceof Error ? e.message : String(e), maps: [] });
  }
}

export function closeSaliency(): void {
  current++;
  saliency.set(null);
}
