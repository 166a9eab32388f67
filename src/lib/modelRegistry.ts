// The models the package and the site ship, by name: each one's folder under public/models/ (the site's
// models/), its files and what it takes. The library, agegender/node, the page and the CLI find their
// files here; modelRegistry.test.ts holds it to the folders (every file named, every file in the card).
// Plain data, no tfjs: the page imports it on its first screen.

/** The age/gender models: 'accurate' (photos) and 'fast' (distilled from it, for live video on slow devices). */
export type ModelName = 'accurate' | 'fast';

export interface ModelEntry {
  /** Its folder under public/models/, holding model.json, the weight files and model-card.json. */
  readonly folder: string;
  /** The tfjs model.json, in the folder. */
  readonly modelJson: string;
  /** The weight files model.json names (its weightsManifest paths), in the folder. */
  readonly weights: readonly string[];
  /** What the model takes. */
  readonly input: string;
}

/** The model card beside each model.json: what it is, and the sha256 of each file (checked as they load). */
export const MODEL_CARD = 'model-card.json';

export const DEFAULT_MODEL: ModelName = 'accurate';

export const MODELS = {
  accurate: {
    folder: 'agegender',
    modelJson: 'model.json',
    weights: ['weights.bin'],
    input: "a face aligned as UTKFace's chips (size and normalisation in model.json's metadata)",
  },
  fast: {
    folder: 'agegender-fast',
    modelJson: 'model.json',
    weights: ['weights.bin'],
    input: "a face aligned as UTKFace's chips (size and normalisation in model.json's metadata)",
  },
  detector: {
    folder: 'blazeface',
    modelJson: 'blazeface-front.json',
    weights: ['blazeface-front.bin'],
    input: 'a 128x128 image (detect.ts searches a photo in windows of it)',
  },
} as const satisfies Record<ModelName | 'detector', ModelEntry>;

/** The path under public/models/ (the site's models/) of a model's model.json, or of its card: 'agegender/model.json'. */
export function modelFile(name: ModelName | 'detector', file: 'model' | 'card' = 'model'): string {
  const entry: ModelEntry = MODELS[name];
  return `${entry.folder}/${file === 'card' ? MODEL_CARD : entry.modelJson}`;
}

/** Every file a model loads: model.json, its weights and its card. */
export const filesOf = (entry: ModelEntry): string[] => [entry.modelJson, ...entry.weights, MODEL_CARD];
