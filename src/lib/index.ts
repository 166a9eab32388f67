// The agegender package in the browser: load() the two models, estimateFaces() on any image.
//
//   import { load } from 'agegender';
//   const analyzer = await load();  // the models shipped in the package ({ model: 'fast' } for video, or { modelUrl, detectorUrl })
//   const faces = await analyzer.estimateFaces(document.querySelector('img')!);
//   // [{ box, keypoints, score, age, ageLow, ageHigh, gender, femaleProbability }, ...] largest first
import * as tf from '@tensorflow/tfjs';
import { FaceAnalyzer } from './analyze';
import type { ModelCard } from './modelCard';
import { checkedModelFiles, fetchFile } from './modelFiles';

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
  LabelDistribution,
  ModelCard,
  RealAgeMetrics,
  RealPhotoReport,
  ShiftMetrics,
  SplitReport,
  TrainingEpoch,
  TrainingSources,
} from './modelCard';
export type { InputSpec } from './preprocess';
// Live video: new LiveFaceAnalyzer(analyzer).next(frame) for each frame (faces followed, estimated every few frames, smoothed).
export { DEFAULT_LIVE_OPTIONS, LiveFaceAnalyzer, type LiveOptions } from './live';
export { DEFAULT_TRACKER_OPTIONS, FaceTracker, type TrackedFace, type TrackerOptions } from './track';

/**
 * A model card (data, split, training, calibration, metrics per split and group, size): the package's accurate
 * model's unless `model` says 'fast', or the one at `url`. Fetched when asked, not bundled (it is 85 KB).
 */
export async function loadModelCard(options: { model?: 'accurate' | 'fast'; url?: string } = {}): Promise<ModelCard> {
  const url =
    options.url ?? packaged(options.model === 'fast' ? 'agegender-fast/model-card.json' : 'agegender/model-card.json');
  const bytes = await fetchFile(url);
  if (!bytes) throw new Error(`the model card ${url} could not be fetched`);
  return JSON.parse(new TextDecoder().decode(bytes)) as ModelCard;
}

export interface LoadOptions {
  /** Which of the package's age/gender models: 'accurate' (default; photos) or 'fast' (distilled from it, for live video). */
  model?: 'accurate' | 'fast';
  /** URL of the age/gender model.json (its weights and model-card.json beside it); default: the package's own, as `model` says. */
  modelUrl?: string;
  /** URL of BlazeFace's model.json; default: the package's own. */
  detectorUrl?: string;
  /** tfjs backend to run on ('webgl', 'wasm', 'cpu'; WASM needs @tensorflow/tfjs-backend-wasm imported); default: tfjs's choice. */
  backend?: string;
}

// The package ships its models in public/models/, beside dist-lib/. Not a literal in new URL(), so that
// bundlers leave it alone: with a bundler, serve the model folders yourself and pass their URLs.
const PACKAGED_MODELS = '../public/models/';
const packaged = (path: string): string => new URL(PACKAGED_MODELS + path, import.meta.url).href;

/** Load both models (the age/gender model checked against its card's sha256 sums) on the chosen backend. */
export async function load(options: LoadOptions = {}): Promise<FaceAnalyzer> {
  if (options.backend && !(await tf.setBackend(options.backend)))
    throw new Error(`the tfjs backend ${options.backend} could not start`);
  await tf.ready();
  const modelUrl =
    options.modelUrl ?? packaged(options.model === 'fast' ? 'agegender-fast/model.json' : 'agegender/model.json');
  return FaceAnalyzer.load({
    model: checkedModelFiles(modelUrl, fetchFile),
    detector: options.detectorUrl ?? packaged('blazeface/blazeface-front.json'),
  });
}
