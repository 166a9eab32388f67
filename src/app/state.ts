// App state (Svelte stores) and the actions that change it; components only render these.
import * as tf from '@tensorflow/tfjs';
import { stringify } from 'csv-stringify/browser/esm/sync';
import { get, writable } from 'svelte/store';
import { initBrowserBackend, whenBackendLost } from '../lib/browserBackend';
import { decodeImageFile } from '../lib/browserImage';
import { type FaceAnalysis, FaceAnalyzer } from '../lib/analyze';
import type { ModelCard } from '../lib/modelCard';
import { checkedModelFiles, fetchFile, type FileReader } from '../lib/modelFiles';
import { CSV_COLUMNS, emptyRow, photoRows } from '../lib/predictionRow';

const MODEL_URL = `${import.meta.env.BASE_URL}models/agegender/model.json`;
const DETECTOR_URL = `${import.meta.env.BASE_URL}models/blazeface/blazeface-front.json`;
const CARD_URL = `${import.meta.env.BASE_URL}models/agegender/model-card.json`;

export type ModelStatus =
  | { state: 'loading' }
  /** `note`: why the backend is not the first choice (the one before it was lost). */
  | { state: 'ready'; backend: string; note?: string }
  | { state: 'error'; message: string };

export interface FaceResult extends FaceAnalysis {
  /** The face as the model saw it (aligned like a training chip), as an image URL. */
  alignedUrl: string;
}

export interface ImageResult {
  id: number;
  name: string;
  url: string;
  width?: number;
  height?: number;
  /** Waiting behind other photos, not yet being analysed. */
  queued?: boolean;
  /** Every face found, largest first; empty when there is none. */
  faces?: FaceResult[];
  error?: string;
}

export const modelStatus = writable<ModelStatus>({ state: 'loading' });
/** tfjs tensors alive after the last analysis: it should stay flat however many photos are analysed. */
export const tensorCount = writable(0);
export const modelCard = writable<ModelCard | null>(null);
export const results = writable<ImageResult[]>([]);
/** The photos of the current batch: analysed so far and in all, and how many wait; null when none runs. */
export const batchProgress = writable<{ done: number; total: number; waiting: number } | null>(null);

let analyzer: Promise<FaceAnalyzer | null> = Promise.resolve(null);
/** Counts the backends lost so far: work that failed while it changed is done again on the new one. */
let backendGeneration = 0;
let nextId = 0;

async function startModel(read: FileReader, lost: string[] = []): Promise<FaceAnalyzer | null> {
  try {
    const forced = new URLSearchParams(location.search).get('backend') ?? undefined;
    const backend = await initBrowserBackend(lost.length ? undefined : forced, lost);
    const loaded = await FaceAnalyzer.load({ model: checkedModelFiles(MODEL_URL, read), detector: DETECTOR_URL });
    const note = lost.length ? `the ${lost.at(-1)} backend lost its GPU context, so the model was reloaded on ${backend}` : undefined;
    modelStatus.set({ state: 'ready', backend, note });
    whenBackendLost(() => {
      backendGeneration++;
      modelStatus.set({ state: 'loading' });
      analyzer = startModel(read, [...lost, backend]);
    });
    return loaded;
  } catch (e) {
    modelStatus.set({ state: 'error', message: `The model could not be loaded: ${e instanceof Error ? e.message : String(e)}` });
    return null;
  }
}

/** The analyzer once loaded (null if it failed); after a lost backend, the one reloaded on the next. */
export function analyzerReady(): Promise<FaceAnalyzer | null> {
  return analyzer;
}

/** Run `work` with the analyzer; if the backend was lost meanwhile, once more with the reloaded one. */
export async function withAnalyzer<T>(work: (a: FaceAnalyzer) => Promise<T>): Promise<T | null> {
  for (let attempt = 0; ; attempt++) {
    const generation = backendGeneration;
    const ready = await analyzer;
    if (!ready) return null;
    try {
      const result = await work(ready);
      // A lost context does not always throw: what ran while it was lost is done again on the new backend.
      if (generation === backendGeneration || attempt > 0) return result;
    } catch (e) {
      if (generation === backendGeneration || attempt > 0) throw e;
    }
  }
}

export function loadModel(): void {
  // The card is fetched once: the Model page shows it, and its sha256 sums check the model's files.
  const card = fetchFile(CARD_URL);
  analyzer = startModel((url) => (url === CARD_URL ? card : fetchFile(url)));
  card.then((bytes) => modelCard.set(bytes ? JSON.parse(new TextDecoder().decode(bytes)) as ModelCard : null),
    () => modelCard.set(null));
}

async function tensorToUrl(image: tf.Tensor3D): Promise<string> {
  const canvas = document.createElement('canvas');
  const pixels = tf.tidy(() => image.clipByValue(0, 255).toInt()) as tf.Tensor3D;
  try {
    await tf.browser.toPixels(pixels, canvas);
  } finally {
    pixels.dispose();
  }
  return canvas.toDataURL('image/png');
}

interface PhotoJob { item: ImageResult; file: File }
const queue: PhotoJob[] = [];
let draining: Promise<void> | null = null;

/** Queue photos for analysis (every face found, aligned, estimated), one at a time in the order given; resolves when the queue is empty. */
export function analyseFiles(files: File[]): Promise<void> {
  for (const file of files) {
    const item: ImageResult = { id: nextId++, name: file.name, url: URL.createObjectURL(file), queued: true };
    results.update((list) => [item, ...list]);
    queue.push({ item, file });
  }
  batchProgress.update((b) => ({ done: b?.done ?? 0, total: (b?.total ?? 0) + files.length, waiting: queue.length }));
  draining ??= drainQueue().finally(() => { draining = null; });
  return draining;
}

async function drainQueue(): Promise<void> {
  for (let job = queue.shift(); job; job = queue.shift()) {
    batchProgress.update((b) => b && { ...b, waiting: queue.length });
    await analysePhoto(job);
    batchProgress.update((b) => b && { ...b, done: b.done + 1 });
  }
  batchProgress.set(null);
}

/** Stop the batch after the photo being analysed: the photos still waiting are dropped (their object URLs revoked). */
export function stopBatch(): void {
  const dropped = new Set(queue.splice(0).map(({ item }) => item.id));
  for (const r of get(results)) if (dropped.has(r.id)) URL.revokeObjectURL(r.url);
  results.update((list) => list.filter((r) => !dropped.has(r.id)));
  batchProgress.update((b) => b && { done: b.done, total: b.total - dropped.size, waiting: 0 });
}

async function analysePhoto({ item, file }: PhotoJob): Promise<void> {
  const done = (patch: Partial<ImageResult>): void =>
    results.update((list) => list.map((r) => (r.id === item.id ? { ...r, ...patch } : r)));
  done({ queued: false });
  try {
    // Decoded inside: after a lost backend the retry needs the pixels on the new one.
    const found = await withAnalyzer(async (ready) => {
      const image = await decodeImageFile(file);
      try {
        let urls: string[] = [];
        const faces = await ready.analyze(image.pixels, {}, async (aligned) => { urls = await Promise.all(aligned.map(tensorToUrl)); });
        return { faces: faces.map((face, i) => ({ ...face, alignedUrl: urls[i] })), width: image.width, height: image.height };
      } finally {
        image.pixels.dispose();
        tensorCount.set(tf.memory().numTensors);
      }
    });
    done(found ?? { error: 'the model failed to load, so nothing can be estimated' });
  } catch (e) {
    done({ error: e instanceof Error ? e.message : String(e) });
  }
}

/** Forget every result and every photo still waiting: their object URLs are revoked, the face images (data URLs) dropped with them. */
export function clearResults(): void {
  queue.length = 0; // photos still waiting are dropped too
  batchProgress.update((b) => b && { ...b, total: b.done + 1, waiting: 0 });
  for (const r of get(results)) URL.revokeObjectURL(r.url);
  results.set([]);
}

/** Every analysed photo as the CLI's CSV (one row per face, oldest photo first). */
export function resultsCsv(): string {
  const rows = [...get(results)].reverse().flatMap((r) =>
    r.error ? [emptyRow(r.name, r.error)] : r.faces ? photoRows(r.name, r.faces) : []);
  return stringify(rows, { header: true, columns: [...CSV_COLUMNS] });
}
