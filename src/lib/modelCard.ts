// The model card JSON written by training/agegender_train/export.py (public/models/agegender/model-card.json).
import type { Calibration } from './interval';
export interface CardMetrics {
  n: number;
  age_mae: number;
  age_mae_ci95?: [number, number];
  age_bias?: number;
  age_rmse?: number;
  age_cs5: number;
  gender_accuracy: number;
  gender_ece: number;
  interval_coverage: number;
  interval_width: number;
}

export interface LabelDistribution {
  n: number;
  age: Record<string, number>;
  gender: Record<string, number>;
  race: Record<string, number>;
}

export interface SplitReport {
  overall: CardMetrics;
  by_age_band: Record<string, CardMetrics>;
  by_gender: Record<string, CardMetrics>;
  by_race: Record<string, CardMetrics>;
  largest_gap?: Record<string, { age_mae: number; gender_accuracy: number }>;
  by_age5?: Record<string, Pick<CardMetrics, 'n' | 'age_mae' | 'gender_accuracy'>>;
  by_age_band_gender?: Record<string, CardMetrics>;
  gender_reliability?: { low: number; high: number; n: number; mean_predicted: number; observed_female: number }[];
}

/** One condition of the shift benchmark (training/agegender_train/shift.py). */
export interface ShiftMetrics extends CardMetrics {
  age_bias: number;
  gender_accuracy_adult: number;
  gender_accuracy_female: number;
  gender_accuracy_male: number;
  gender_uncertain: number;
  coverage_by_age_band: Record<string, number>;
}

export interface TrainingEpoch {
  epoch: number;
  train_loss: number;
  val_age_mae: number;
  val_gender_accuracy: number;
  val_age_mae_raw?: number;
  val_gender_accuracy_raw?: number;
}

/** Files a run read, each path with its sha256 (its first file names the model: model.json or model.pt). */
export interface TrainingSources {
  init_from?: Record<string, string>;
  teachers?: Record<string, string>[];
}

/**
 * The models a run started from and was distilled from, each as "path (sha256 1a2b3c4d5e6f)": a path such as
 * public/models/agegender/model.json later holds another model. Cards written before sources were recorded
 * name the teachers by path only.
 */
export function trainingSources(card: ModelCard): { startedFrom: string | null; teachers: string[] } {
  const name = (files: Record<string, string>): string => {
    const [path, sha256] = Object.entries(files)[0];
    return `${path} (sha256 ${sha256.slice(0, 12)})`;
  };
  const sources = card.training.sources;
  return {
    startedFrom: sources?.init_from ? name(sources.init_from) : null,
    teachers: sources?.teachers?.map(name) ?? card.training.distilled_from?.split(',').map((p) => p.trim()) ?? [],
  };
}

/** Age on one kind of real photo (real_photos.py): error, signed error, 90% interval coverage and width, share read as old scans. */
export interface RealAgeMetrics {
  n: number;
  mae: number;
  bias: number;
  coverage: number;
  width: number;
  read_as_scan: number;
}

/** Photos with exact ages (bench:real-photos): how many, the share with a face found, age overall and per band. */
export interface RealAgeReport {
  photos?: number;
  face_found?: number;
  overall: RealAgeMetrics;
  by_age_band: Record<string, RealAgeMetrics>;
}

/** Wild photos (FairFace): gender by gender and age, the sure calls, age groups; *_with_misses count a photo with no face found wrong. */
export interface WildPhotoReport {
  photos?: number;
  face_found?: number;
  gender: Record<string, { n: number; accuracy: number }>;
  gender_with_misses?: number;
  gender_by_race?: Record<string, { n: number; accuracy: number }>;
  sure_share: number;
  sure_accuracy: number;
  adult_women_read_as_men: number;
  age_group_accuracy: number;
  read_as_scan?: number;
  uncertain_band: [number, number];
}

/**
 * The real-photo benchmark of a model with a scan head: old scans (FG-NET dev) and wild photos (FairFace dev), and
 * for models judged on every set's test part, FairFace's and All-Age-Faces' (everyday photos).
 */
export interface RealPhotoReport {
  old_scans: RealAgeReport;
  wild_photos: WildPhotoReport;
  fairface?: WildPhotoReport;
  everyday_photos?: RealAgeReport & {
    gender: Record<string, { n: number; accuracy: number }>;
    gender_with_misses: number;
  };
}

/**
 * face-api.js on the same test parts (bench:real-photos --face-api, its own detector and age/gender net): no interval,
 * uncertain band or old-scan flag, so only the figures it has.
 */
export interface FaceApiReport {
  command: string;
  fairface?: Pick<
    WildPhotoReport,
    | 'photos'
    | 'face_found'
    | 'gender'
    | 'gender_with_misses'
    | 'gender_by_race'
    | 'adult_women_read_as_men'
    | 'age_group_accuracy'
  >;
  old_scans?: FaceApiAgeReport;
  everyday_photos?: FaceApiAgeReport & { gender_with_misses: number };
}

/** Age error alone, for a model without interval or scan flag. */
export type RealAgeError = Pick<RealAgeMetrics, 'n' | 'mae' | 'bias'>;

/** face-api.js's age error on photos with exact ages, overall and per band (n: the faces it found). */
export interface FaceApiAgeReport {
  face_found: number;
  overall: RealAgeError;
  by_age_band: Record<string, RealAgeError>;
}

export interface ModelCard {
  name: string;
  /** pretrained: the ImageNet weights the network's training began from (a fine-tune's began from another model). */
  architecture: { name: string; input_size: number; parameters: number; pretrained?: string | null };
  data: { dataset: string; distribution?: Record<string, LabelDistribution> };
  /** The code's licence, and the terms of every data set behind the weights (which apply to them and their outputs). */
  license?: { code: string; weights: string; data: { set: string; dataset: string; terms: string; use: string }[] };
  /** counts: faces in each part of the split (the card's train metrics are on an even sample of them). */
  split: { file: string; seed?: number; counts?: Record<string, number> };
  /**
   * recipe: the training/recipes/ file the run followed (train --recipe); distilled_from: the teachers' model.json
   * (comma-separated), for a distilled model; sources: sha256 of each file the run started from and distilled, as read
   * then; delivered_weights: which weights were exported; history: val metrics of the moving average of the weights,
   * when one was kept, with the raw weights' as *_raw.
   */
  training: {
    recipe?: string | null;
    distilled_from?: string | null;
    sources?: TrainingSources | null;
    delivered_weights?: 'raw' | 'moving average';
    command: string;
    trained_on?: string;
    seed: number;
    history: TrainingEpoch[];
  };
  calibration: Calibration & { method?: string };
  metrics: Record<string, SplitReport>;
  shift_benchmark?: { part: string; conditions: Record<string, ShiftMetrics> };
  /**
   * out_of_fold: this model on real photos it never saw (for a model whose heads real_photos.py fitted, each fold judged
   * by heads and calibration fitted without it); before: the model it came from; face_api: face-api.js on the same
   * photos, where measured; note: how it was judged.
   */
  real_photos?: { out_of_fold: RealPhotoReport; before: RealPhotoReport; face_api?: FaceApiReport; note?: string };
  /** sha256: of each model file, checked at load (modelFiles.ts). */
  size: { total_bytes: number; weights: string; sha256?: Record<string, string> };
}
