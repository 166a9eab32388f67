// App state (Svelte stores) and the actions that change it; components only render these.
import * as tf from '@tensorflow/tfjs';
import { stringify } from 'csv-stringify/browser/esm/sync';
import { get, writable } from 'svelte/store';
import { initBrowserBackend } from '../lib/browserBackend';
import { decodeImageFile } from '../lib/browserImage';
import { type FaceAnalysis, FaceAnalyzer } from '../lib/analyze';
import { checkedModelFiles, fetchFile, type FileReader } from '../lib/modelFiles';
import { CSV_COLUMNS, emptyRow, photoRows } from '../lib/predictionRow';

const MODEL_URL = `${import.meta.env.BASE_URL}models/agegender/model.json`;
const DETECTOR_URL = `${import.meta.env.BASE_URL}models/blazeface/blazeface-front.json`;
const CARD_URL = `${import.meta.env.BASE_URL}models/agegender/model-card.json`;

export type ModelStatus =
  | { state: 'loading' }
  | { state: 'ready'; backend: string }
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
  /** Every face found, largest first; empty when there is none. */
  faces?: FaceResult[];
  error?: string;
}

export const modelStatus = writable<ModelStatus>({ state: 'loading' });
/** tfjs tensors alive after the last analysis: it should stay flat however many photos are analysed. */
export const tensorCount = writable(0);
export const modelCard = writable<Record<string, unknown> | null>(null);
export const results = writable<ImageResult[]>([]);

let analyzer: Promise<FaceAnalyzer | null> = Promise.resolve(null);
let nextId = 0;

async function startModel(read: FileReader): Promise<FaceAnalyzer | null> {
  try {
    const backend = await initBrowserBackend(new URLSearchParams(location.search).get('backend') ?? undefined);
    const loaded = await FaceAnalyzer.load({ model: checkedModelFiles(MODEL_URL, read), detector: DETECTOR_URL });
    modelStatus.set({ state: 'ready', backend });
    return loaded;
  } catch (e) {
    modelStatus.set({ state: 'error', message: `The model could not be loaded: ${e instanceof Error ? e.message : String(e)}` });
    return null;
  }
}

/** The analyzer once loaded (null if it failed). */
export function analyzerReady(): Promise<FaceAnalyzer | null> {
  return analyzer;
}

export function loadModel(): void {
  // The card is fetched once: the Model page shows it, and its sha256 sums check the model's files.
  const card = fetchFile(CARD_URL);
  analyzer = startModel((url) => (url === CARD_URL ? card : fetchFile(url)));
  card.then((bytes) => modelCard.set(bytes ? JSON.parse(new TextDecoder().decode(bytes)) as Record<string, unknown> : null),
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

/** Every face in each photo: found, aligned, estimated. */
export async function analyseFiles(files: File[]): Promise<void> {
  for (const file of files) {
    const item: ImageResult = { id: nextId++, name: file.name, url: URL.createObjectURL(file) };
    results.update((list) => [item, ...list]);
    const done = (patch: Partial<ImageResult>): void =>
      results.update((list) => list.map((r) => (r.id === item.id ? { ...r, ...patch } : r)));
    const ready = await analyzer;
    if (!ready) {
      done({ error: 'the model failed to load, so nothing can be estimated' });
      continue;
    }
    try {
      const image = await decodeImageFile(file);
      try {
        let urls: string[] = [];
        const found = await ready.analyze(image.pixels, {}, async (aligned) => { urls = await Promise.all(aligned.map(tensorToUrl)); });
        const faces = found.map((face, i) => ({ ...face, alignedUrl: urls[i] }));
        done({ faces, width: image.width, height: image.height });
      } finally {
        image.pixels.dispose();
        tensorCount.set(tf.memory().numTensors);
      }
    } catch (e) {
      done({ error: e instanceof Error ? e.message : String(e) });
    }
  }
}

/** Forget every result: the photos' object URLs are revoked, the face images (data URLs) dropped with them. */
export function clearResults(): void {
  for (const r of get(results)) URL.revokeObjectURL(r.url);
  results.set([]);
}

/** Every analysed photo as the CLI's CSV (one row per face, oldest photo first). */
export function resultsCsv(): string {
  const rows = [...get(results)].reverse().flatMap((r) =>
    r.error ? [emptyRow(r.name, r.error)] : r.faces ? photoRows(r.name, r.faces) : []);
  return stringify(rows, { header: true, columns: [...CSV_COLUMNS] });
}
