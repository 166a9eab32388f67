// The agegender package in the browser: load() the two models, estimateFaces() on any image.
//
//   import { load } from 'agegender';
//   const analyzer = await load();  // the models shipped in the package ({ model: 'fast' } for video, { modelsUrl } or { modelUrl, detectorUrl })
//   const faces = await analyzer.estimateFaces(document.querySelector('img')!);
//   // [{ box, keypoints, score, age, ageLow, ageHigh, gender, femaleProbability }, ...] largest first
import * as tf from '@tensorflow/tfjs';
import { FaceAnalyzer } from './analyze';
import type { ModelCard } from './modelCard';
import { checkedModelFiles, fetchFile } from './modelFiles';
import { DEFAULT_MODEL, MODELS, type ModelName, modelFile } from './modelRegistry';
import { packagedModel, packagedUrl } from './packagedUrls';

export { type AnalyzerSources, FaceAnalyzer, type FaceAnalysis, type FaceInput } from './analyze';
export type { DetectedFace, DetectionWindow, DetectorOptions, FaceDetector, FaceKeypoints } from './detect';
export type { Box, Point } from './geometry';
// A photo file decoded under the pixel policy, for FaceAnalyzer.analyzePhoto (faces in the file's pixels).
export { decodeImageFile } from './browserImage';
export { type DecodedPhoto, type DecodedSize, ImageReadError, MAX_SIDE } from './imageSize';
export type { Calibration, GenderCall, IntervalBand } from './interval';
export type { AgeGenderEstimate, AgeGenderModel, ModelMetadata } from './model';
export type {
  CardMetrics,
  FaceApiAgeReport,
  FaceApiReport,
  LabelDistribution,
  ModelCard,
  RealAgeError,
  RealAgeMetrics,
  RealAgeReport,
  RealPhotoReport,
  ShiftMetrics,
  SplitReport,
  TrainingEpoch,
  TrainingSources,
  WildPhotoReport,
} from './modelCard';
export { ModelIntegrityError } from './modelFiles';
export type { ModelName } from './modelRegistry';
export type { InputSpec } from './preprocess';
// Live video: new LiveFaceAnalyzer(analyzer).next(frame) for each frame (faces followed, estimated every few frames, smoothed).
export { DEFAULT_LIVE_OPTIONS, LiveFaceAnalyzer, type LiveOptions } from './live';
export { DEFAULT_TRACKER_OPTIONS, FaceTracker, type TrackedFace, type TrackerOptions } from './track';

/**
 * A model card (data, split, training, calibration, metrics per split and group, size): the package's accurate
 * model's unless `model` says 'fast' (under `modelsUrl` if given), or the one at `url`. Fetched when asked (85 KB).
 */
export async function loadModelCard(
  options: { model?: ModelName; modelsUrl?: string; url?: string } = {},
): Promise<ModelCard> {
  const path = modelFile(options.model ?? DEFAULT_MODEL, 'card');
  const url = options.url ?? (options.modelsUrl !== undefined ? under(options.modelsUrl, path) : packagedUrl(path));
  const bytes = await fetchFile(url).catch((e: unknown) => {
    throw new Error(`the model card ${url} could not be fetched (${e instanceof Error ? e.message : String(e)})`);
  });
  if (!bytes) throw new Error(`the model card ${url} could not be fetched`);
  return JSON.parse(new TextDecoder().decode(bytes)) as ModelCard;
}

export interface LoadOptions {
  /** Which of the package's age/gender models: 'accurate' (default; photos) or 'fast' (distilled from it, for live video). */
  model?: ModelName;
  /**
   * URL of a folder where the package's models are served: a copy of node_modules/agegender/public/models/ (its
   * agegender/, agegender-fast/ and blazeface/ folders). Default: the package's own files, wherever the bundler put them.
   */
  modelsUrl?: string;
  /** URL of the age/gender model.json (its weights and model-card.json beside it); default: the package's own, as `model` says. */
  modelUrl?: string;
  /** URL of BlazeFace's model.json (its weights and model-card.json beside it); default: the package's own. */
  detectorUrl?: string;
  /** tfjs backend to run on ('webgl', 'wasm', 'cpu'; WASM needs @tensorflow/tfjs-backend-wasm imported); default: tfjs's choice. */
  backend?: string;
}

/** The URL of `path` (e.g. 'agegender/model.json') in the models folder at `modelsUrl`. */
const under = (modelsUrl: string, path: string): string => `${modelsUrl.replace(/\/*$/, '/')}${path}`;

/** A model of the registry: from `url` if given, else from the folder at `modelsUrl` if given, else the package's own. */
function modelSource(name: ModelName | 'detector', url?: string, modelsUrl?: string): tf.io.IOHandler {
  if (url !== undefined) return checkedModelFiles(url, fetchFile);
  if (modelsUrl !== undefined) return checkedModelFiles(under(modelsUrl, modelFile(name)), fetchFile);
  return packagedModel(MODELS[name]);
}

/**
 * Load both models on the chosen backend. Every file of each is checked against the sha256 sums in the model-card.json
 * beside its model.json: a card missing, or a file without a sum or not matching it, rejects with a ModelIntegrityError.
 */
export async function load(options: LoadOptions = {}): Promise<FaceAnalyzer> {
  if (options.backend && !(await tf.setBackend(options.backend)))
    throw new Error(`the tfjs backend ${options.backend} could not start`);
  await tf.ready();
  return FaceAnalyzer.load({
    model: modelSource(options.model ?? DEFAULT_MODEL, options.modelUrl, options.modelsUrl),
    detector: modelSource('detector', options.detectorUrl, options.modelsUrl),
  });
}
