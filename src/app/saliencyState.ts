// The saliency view's state: which face is being explained (its view opens right after its card), and each of its
// maps: not asked for, waiting, computing (passes done of all), drawn, or failed. SmoothGrad, the readable one, is
// computed for age and gender at once; the others only when asked for. One map is computed at a time, in the order
// asked; closing the view drops the maps still waiting.
import { get, writable } from 'svelte/store';
import {
  heatmapPixels,
  outlinePixels,
  SALIENCY_METHODS,
  type SaliencyMethod,
  type SaliencyTarget,
} from '../lib/heatmap';
import { analysis, type FaceResult, tensorCount } from './state';

export type MapState =
  | { state: 'idle' }
  | { state: 'waiting' }
  | { state: 'computing'; done: number; total: number }
  | { state: 'ready'; url: string }
  | { state: 'error'; message: string };

export type MapKey = `${SaliencyTarget} ${SaliencyMethod}`;

export interface SaliencyView {
  face: FaceResult;
  label: string;
  /** The face's outlines as an image URL, once made. */
  outlineUrl?: string;
  maps: Record<MapKey, MapState>;
}

const DEFAULT_MAPS: MapKey[] = ['age smoothGrad', 'gender smoothGrad'];

export const saliency = writable<SaliencyView | null>(null);

const ids = new WeakMap<FaceResult, string>();
let nextId = 0;
/** The id of a face's saliency view, for its card's button to name (aria-controls). */
export function saliencyViewId(face: FaceResult): string {
  if (!ids.has(face)) ids.set(face, `saliency-${nextId++}`);
  return ids.get(face)!;
}

function pngUrl(pixels: Uint8ClampedArray, width: number, height: number): string {
  const canvas = document.createElement('canvas');
  canvas.width = width;
  canvas.height = height;
  canvas.getContext('2d')!.putImageData(new ImageData(pixels as Uint8ClampedArray<ArrayBuffer>, width, height), 0, 0);
  return canvas.toDataURL('image/png');
}

async function outlineUrl(face: FaceResult): Promise<string> {
  const image = await createImageBitmap(face.aligned);
  const canvas = document.createElement('canvas');
  canvas.width = image.width;
  canvas.height = image.height;
  const context = canvas.getContext('2d')!;
  context.drawImage(image, 0, 0);
  image.close();
  const { data } = context.getImageData(0, 0, canvas.width, canvas.height);
  return pngUrl(outlinePixels(data, canvas.width, canvas.height), canvas.width, canvas.height);
}

/** Counts the faces opened: work for one that is no longer shown is dropped. */
let current = 0;
let queue: Promise<void> = Promise.resolve();

function setMap(run: number, key: MapKey, state: MapState): void {
  if (run === current) saliency.update((v) => v && { ...v, maps: { ...v.maps, [key]: state } });
}

/** Compute one map of the face shown (after those asked for before it), showing its progress. */
export function computeMap(key: MapKey): void {
  const face = get(saliency)?.face;
  if (!face) return;
  const run = current;
  const [target, method] = key.split(' ') as [SaliencyTarget, SaliencyMethod];
  setMap(run, key, { state: 'waiting' });
  queue = queue.then(async () => {
    if (run !== current) return;
    try {
      const service = await analysis();
      // Progress comes from the worker on a channel of its own, so it may come after the map: then it is dropped.
      let drawn = false;
      const map = await service.explain(face.aligned, target, method, (done, total) => {
        if (!drawn) setMap(run, key, { state: 'computing', done, total });
      });
      drawn = true;
      tensorCount.set(map.tensors);
      setMap(run, key, { state: 'ready', url: pngUrl(heatmapPixels(map.values), map.size, map.size) });
    } catch (e) {
      setMap(run, key, { state: 'error', message: e instanceof Error ? e.message : String(e) });
    }
  });
}

/** Open the view of this face (closing any other), computing its default maps; or close it if it is open. */
export function toggleSaliency(face: FaceResult, label: string): void {
  const wasOpen = get(saliency)?.face === face;
  closeSaliency();
  if (wasOpen) return;
  const run = current;
  const maps = Object.fromEntries(
    (['age', 'gender'] as const).flatMap((t) => SALIENCY_METHODS.map((m) => [`${t} ${m}`, { state: 'idle' }])),
  ) as Record<MapKey, MapState>;
  saliency.set({ face, label, maps });
  for (const key of DEFAULT_MAPS) computeMap(key);
  outlineUrl(face).then(
    (url) => run === current && saliency.update((v) => v && { ...v, outlineUrl: url }),
    () => undefined, // no outline: the option shows nothing
  );
}

export function closeSaliency(): void {
  current++;
  saliency.set(null);
}
