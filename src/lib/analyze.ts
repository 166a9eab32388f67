// FaceAnalyzer: the one call for a whole photo. Find every face (detect.ts), cut each out the way
// the training chips were cut (align.ts) and estimate its age and gender (model.ts).
import * as tf from '@tensorflow/tfjs';
import { alignFace } from './align';
import { type Box, type DetectorOptions, FaceDetector, type FaceKeypoints } from './detect';
import { type AgeGenderEstimate, AgeGenderModel } from './model';

export interface FaceAnalysis extends AgeGenderEstimate {
  box: Box;
  keypoints: FaceKeypoints;
  /** Detection score, 0..1. */
  score: number;
}

export interface AnalyzerSources {
  /** model.json of the age/gender model (URL or IOHandler). */
  model: string | tf.io.IOHandler;
  /** model.json of BlazeFace (URL or IOHandler). */
  detector: string | tf.io.IOHandler;
}

export class FaceAnalyzer {
  private constructor(readonly model: AgeGenderModel, readonly detector: FaceDetector) {}

  static async load(sources: AnalyzerSources): Promise<FaceAnalyzer> {
    const [model, detector] = await Promise.all([AgeGenderModel.load(sources.model), FaceDetector.load(sources.detector)]);
    return new FaceAnalyzer(model, detector);
  }

  /**
   * Every face in an RGB [h, w, 3] image (0..255), largest first; an empty list when there is none.
   * The caller keeps ownership of `image`. `withAligned`, if given, sees each face as the model saw
   * it before resizing ([200, 200, 3] float32) while it still exists; copy what you need.
   */
  async analyze(image: tf.Tensor3D, options: Partial<DetectorOptions> = {},
    withAligned?: (aligned: tf.Tensor3D[]) => Promise<void>): Promise<FaceAnalysis[]> {
    const faces = await this.detector.detect(image, options);
    const aligned = faces.map((f) => alignFace(image, f.keypoints));
    try {
      const estimates = await this.model.estimate(aligned);
      await withAligned?.(aligned);
      return faces.map((f, i) => ({ box: f.box, keypoints: f.keypoints, score: f.score, ...estimates[i] }));
    } finally {
      tf.dispose(aligned);
    }
  }

  dispose(): void {
    this.model.dispose();
    this.detector.dispose();
  }
}

export async function load(sources: AnalyzerSources): Promise<FaceAnalyzer> {
  return FaceAnalyzer.load(sources);
}
