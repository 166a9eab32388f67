// App state (Svelte stores) and the actions that change it; components only render these.
import { writable } from 'svelte/store';
import { initBrowserBackend } from '../lib/browserBackend';
import { decodeImageFile } from '../lib/browserImage';
import { type AgeGenderEstimate, AgeGenderModel } from '../lib/model';

const MODEL_URL = `${import.meta.env.BASE_URL}models/agegender/model.json`;
const CARD_URL = `${import.meta.env.BASE_URL}models/agegender/model-card.json`;

export type ModelStatus =
  | { state: 'loading' }
  | { state: 'ready'; backend: string }
  | { state: 'error'; message: string };

export interface ImageResult {
  id: number;
  name: string;
  url: string;
  estimate?: AgeGenderEstimate;
  error?: string;
}

export const modelStatus = writable<ModelStatus>({ state: 'loading' });
export const modelCard = writable<Record<string, unknown> | null>(null);
export const results = writable<ImageResult[]>([]);

let model: Promise<AgeGenderModel | null> = Promise.resolve(null);
let nextId = 0;

async function startModel(): Promise<AgeGenderModel | null> {
  try {
    const backend = await initBrowserBackend(new URLSearchParams(location.search).get('backend') ?? undefined);
    const loaded = await AgeGenderModel.load(MODEL_URL);
    modelStatus.set({ state: 'ready', backend });
    return loaded;
  } catch (e) {
    modelStatus.set({ state: 'error', message: `The model could not be loaded: ${e instanceof Error ? e.message : String(e)}` });
    return null;
  }
}

export function loadModel(): void {
  model = startModel();
  fetch(CARD_URL).then((r) => (r.ok ? r.json() : null)).then((card) => modelCard.set(card), () => modelCard.set(null));
}

/** Each image is read as one aligned face crop (face detection comes with a later version). */
export async function analyseFiles(files: File[]): Promise<void> {
  for (const file of files) {
    const item: ImageResult = { id: nextId++, name: file.name, url: URL.createObjectURL(file) };
    results.update((list) => [item, ...list]);
    const done = (patch: Partial<ImageResult>): void =>
      results.update((list) => list.map((r) => (r.id === item.id ? { ...r, ...patch } : r)));
    const ready = await model;
    if (!ready) {
      done({ error: 'the model failed to load, so nothing can be estimated' });
      continue;
    }
    try {
      const image = await decodeImageFile(file);
      try {
        const [estimate] = await ready.estimate([image.pixels]);
        done({ estimate });
      } finally {
        image.pixels.dispose();
      }
    } catch (e) {
      done({ error: e instanceof Error ? e.message : String(e) });
    }
  }
}
