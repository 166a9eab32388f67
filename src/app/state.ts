// App state (Svelte stores) and the actions that change it; components only render these. The models
// run in the analysis service (analysisClient.ts: a worker), so nothing here waits on tfjs.
import { get, writable } from 'svelte/store';
import type { ModelCard } from '../lib/modelCard';
import { modelFile } from '../lib/modelRegistry';
import { CSV_COLUMNS, csvCells, emptyRow, photoRows } from '../lib/predictionRow';
import { type Analysis, startAnalysis, type StartedAnalysis } from './analysisClient';
import type { AnalysedFace, ServiceStatus } from './analysisService';

// Absolute: the worker would resolve relative URLs against its own script's folder.
const siteUrl = (path: string): string => new URL(`${import.meta.env.BASE_URL}${path}`, document.baseURI).href;
/** The site serves public/models/ as models/ (the model registry's paths under it). */
const modelUrl = (...file: Parameters<typeof modelFile>): string => siteUrl(`models/${modelFile(...file)}`);

export interface FaceResult extends AnalysedFace {
  /** `aligned` as an image URL (revoked when results are cleared). */
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

export const modelStatus = writable<ServiceStatus>({ state: 'loading' });
/** Where the models run (a worker, or the page and why), once started. */
export const analysisThread = writable<Pick<StartedAnalysis, 'thread' | 'threadNote'> | null>(null);
/** tfjs tensors alive after the last analysis: it should stay flat however many photos are analysed. */
export const tensorCount = writable(0);
export const modelCard = writable<ModelCard | null>(null);
/** The fast (live video) model's card: undefined until the Model page has asked for it and it came, null if it could not be read. */
export const fastModelCard = writable<ModelCard | null | undefined>(undefined);
export const results = writable<ImageResult[]>([]);
/** The photos of the current batch: analysed so far and in all, and how many wait; null when none runs. */
export const batchProgress = writable<{ done: number; total: number; waiting: number } | null>(null);
/**
 * Once a batch ended: every photo in the results so far (all batches since the last Clear), faces found, photos
 * without a face, errors, and the photos the last batch stopped before.
 */
export interface BatchSummary {
  photos: number;
  faces: number;
  noFace: number;
  errors: number;
  stopped: File[];
}
export const batchSummary = writable<BatchSummary | null>(null);

let started: Promise<Analysis> | null = null;
/**
 * model-card.json, fetched once: the Model page shows it, the analysis service checks the model's files with it. Null
 * if it could not be fetched: the service then tries once more and, without a card, refuses the model with a message.
 */
let cardBytes: Promise<ArrayBuffer | null> | null = null;
let nextId = 0;

/** The analysis service once started (its calls fail with a message if the model could not be loaded). */
export function analysis(): Promise<Analysis> {
  // A plain fetch: modelFiles.ts would bring tfjs into the page.
  cardBytes ??= fetch(modelUrl('accurate', 'card')).then(
    (r) => (r.ok ? r.arrayBuffer() : null),
    () => null,
  );
  started ??= cardBytes
    .then((card) =>
      startAnalysis(
        {
          modelUrl: modelUrl('accurate'),
          detectorUrl: modelUrl('detector'),
          forcedBackend: new URLSearchParams(location.search).get('backend') ?? undefined,
          modelCard: card,
          fastModelUrl: modelUrl('fast'),
          // live.ts estimates each face every 3rd frame: at 15 ms a face the accurate model costs 5 ms a frame per face, a sixth of a 30 fps frame.
          fastWhenSlowerThanMs: 15,
        },
        (status) => modelStatus.set(status),
      ),
    )
    .then(({ service, thread, threadNote }) => {
      analysisThread.set({ thread, threadNote });
      return service;
    });
  return started;
}

export function loadModel(): void {
  void analysis();
  void cardBytes!.then((bytes) => modelCard.set(bytes ? parsedCard(bytes) : null));
}

/** The card to show, or null ("could not be loaded") for one that is not JSON: the status line says why. */
function parsedCard(bytes: ArrayBuffer): ModelCard | null {
  try {
    return JSON.parse(new TextDecoder().decode(bytes)) as ModelCard;
  } catch {
    return null;
  }
}

/** Fetch the fast model's card for the Model page, once. */
let fastCardAsked = false;
export function loadFastModelCard(): void {
  if (fastCardAsked) return;
  fastCardAsked = true;
  void fetch(modelUrl('fast', 'card'))
    .then((r) => (r.ok ? (r.json() as Promise<ModelCard>) : null))
    .then(
      (card) => fastModelCard.set(card),
      () => fastModelCard.set(null),
    );
}

interface PhotoJob {
  item: ImageResult;
  file: File;
}
const queue: PhotoJob[] = [];
let draining: Promise<void> | null = null;

/**
 * Queue photos for analysis (every face found, aligned, estimated), one at a time in the order given, listed in
 * that order after the photos before them; resolves when the queue is empty.
 */
export function analyseFiles(files: File[]): Promise<void> {
  if (!get(batchProgress)) {
    stopped = [];
    batchSummary.set(null);
  }
  for (const file of files) {
    const item: ImageResult = { id: nextId++, name: file.name, url: URL.createObjectURL(file), queued: true };
    results.update((list) => [...list, item]);
    queue.push({ item, file });
  }
  batchProgress.update((b) => ({ done: b?.done ?? 0, total: (b?.total ?? 0) + files.length, waiting: queue.length }));
  draining ??= drainQueue().finally(() => {
    draining = null;
  });
  return draining;
}

let stopped: File[] = [];

/** The photos analysed so far, as the summary counts them. */
function summariseResults(list: ImageResult[], stoppedBefore: File[]): BatchSummary {
  const done = list.filter((r) => r.faces || r.error !== undefined);
  return {
    photos: done.length,
    faces: done.reduce((n, r) => n + (r.faces?.length ?? 0), 0),
    noFace: done.filter((r) => r.faces?.length === 0).length,
    errors: done.filter((r) => r.error !== undefined).length,
    stopped: stoppedBefore,
  };
}

async function drainQueue(): Promise<void> {
  for (let job = queue.shift(); job; job = queue.shift()) {
    batchProgress.update((b) => b && { ...b, waiting: queue.length });
    await analysePhotoFile(job);
    batchProgress.update((b) => b && { ...b, done: b.done + 1 });
  }
  batchProgress.set(null);
  batchSummary.set(summariseResults(get(results), stopped));
}

/** Analyse the bundled sample photo (public/samples/astronaut.jpg, public domain), for a first try without a photo at hand. */
export async function analyseSamplePhoto(): Promise<void> {
  const name = 'sample: astronaut Eileen Collins (NASA).jpg';
  let photo: Blob;
  try {
    const response = await fetch(siteUrl('samples/astronaut.jpg'));
    if (!response.ok) throw new Error(`HTTP ${response.status}`);
    photo = await response.blob();
  } catch (e) {
    // shown as a failed photo is, not lost in an unhandled rejection
    const error = `the sample photo could not be loaded (${e instanceof Error ? e.message : String(e)})`;
    results.update((list) => [...list, { id: nextId++, name, url: '', error }]);
    return;
  }
  await analyseFiles([new File([photo], name, { type: 'image/jpeg' })]);
}

/** Stop the batch after the photo being analysed: the photos still waiting leave the list, kept to resume (resumeBatch). */
export function stopBatch(): void {
  const waiting = queue.splice(0);
  const ids = new Set(waiting.map(({ item }) => item.id));
  for (const r of get(results)) if (ids.has(r.id)) URL.revokeObjectURL(r.url);
  results.update((list) => list.filter((r) => !ids.has(r.id)));
  stopped.push(...waiting.map(({ file }) => file));
  batchProgress.update((b) => b && { done: b.done, total: b.total - ids.size, waiting: 0 });
}

/** Analyse the photos the last batch stopped before. */
export function resumeBatch(): Promise<void> {
  const files = get(batchSummary)?.stopped ?? [];
  batchSummary.set(null);
  return analyseFiles(files);
}

async function analysePhotoFile({ item, file }: PhotoJob): Promise<void> {
  const update = (patch: Partial<ImageResult>): void =>
    results.update((list) => list.map((r) => (r.id === item.id ? { ...r, ...patch } : r)));
  update({ queued: false });
  try {
    const { width, height, faces, tensors } = await (await analysis()).analysePhotoFile(file);
    tensorCount.set(tensors);
    if (!get(results).some((r) => r.id === item.id)) return; // cleared meanwhile: no face images to make (and leak)
    update({
      width,
      height,
      faces: faces.map((face) => ({ ...face, alignedUrl: URL.createObjectURL(face.aligned) })),
    });
  } catch (e) {
    update({ error: e instanceof Error ? e.message : String(e) });
  }
}

/** Forget every result and every photo still waiting: their object URLs (photos and face images) are revoked. */
export function clearResults(): void {
  queue.length = 0; // photos still waiting are dropped too
  batchProgress.update((b) => b && { ...b, total: b.done + 1, waiting: 0 });
  for (const r of get(results)) {
    URL.revokeObjectURL(r.url);
    for (const face of r.faces ?? []) URL.revokeObjectURL(face.alignedUrl);
  }
  results.set([]);
  batchSummary.set(null);
}

/** Every analysed photo as the CLI's CSV (one row per face, photos in the order given; names escaped against formulas). */
export async function resultsCsv(): Promise<string> {
  const { stringify } = await import('csv-stringify/browser/esm/sync'); // only when asked: the first page starts sooner
  const rows = get(results).flatMap((r) =>
    r.error ? [emptyRow(r.name, r.error)] : r.faces ? photoRows(r.name, r.faces) : [],
  );
  return stringify(rows.map(csvCells), { header: true, columns: [...CSV_COLUMNS] });
}
