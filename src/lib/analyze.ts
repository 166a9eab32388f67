// FaceAnalyzer: the one call for a whole photo. Find every face (detect.ts), cut each out the way
// the training chips were cut (align.ts) and estimate its age and gender (model.ts).
import * as tf from '@tensorflow/tfjs';
import { alignFace } from './align';
import { type DetectedFace, type DetectorOptions, FaceDetector, type FaceKeypoints } from './detect';
import type { Box } from './geometry';
import { type DecodedPhoto, inFilePixels, minFaceDecoded } from './imageSize';
import { type AgeGenderEstimate, AgeGenderModel } from './model';

export interface FaceAnalysis extends AgeGenderEstimate {
  box: Box;
  keypoints: FaceKeypoints;
  /** Detection score, 0..1. */
  score: number;
}

export interface AnalyzerSources {
  /** model.json of the age/gender model (URL, its files checked against the model-card.json beside it, or IOHandler). */
  model: string | tf.io.IOHandler;
  /** model.json of BlazeFace (URL, its files checked against the model-card.json beside it, or IOHandler). */
  detector: string | tf.io.IOHandler;
}

/** What estimateFaces() takes: any image the browser can draw, an RGB [h, w, 3] tensor (0..255), or RGBA pixel data (4 bytes a pixel, as ImageData). */
export type FaceInput =
  | tf.Tensor3D
  | ImageData
  | HTMLImageElement
  | HTMLVideoElement
  | HTMLCanvasElement
  | ImageBitmap
  | { data: Uint8Array; width: number; height: number };

export class FaceAnalyzer {
  private constructor(
    readonly model: AgeGenderModel,
    readonly detector: FaceDetector,
  ) {}

  static async load(sources: AnalyzerSources): Promise<FaceAnalyzer> {
    const [model, detector] = await Promise.all([
      AgeGenderModel.load(sources.model),
      FaceDetector.load(sources.detector),
    ]);
    return new FaceAnalyzer(model, detector);
  }

  /** The same detector with another age/gender model: shared, not copied (dispose that model alone). */
  withModel(model: AgeGenderModel): FaceAnalyzer {
    return new FaceAnalyzer(model, this.detector);
  }

  /**
   * Every face in an RGB [h, w, 3] image (0..255), largest first; an empty list when there is none.
   * The caller keeps ownership of `image`. `withAligned`, if given, sees each face as the model saw
   * it before resizing ([200, 200, 3] float32) while it still exists; copy what you need.
   */
  async analyze(
    image: tf.Tensor3D,
    options: Partial<DetectorOptions> = {},
    withAligned?: (aligned: tf.Tensor3D[]) => Promise<void>,
  ): Promise<FaceAnalysis[]> {
    return this.estimateDetected(image, await this.detector.detect(image, options), withAligned);
  }

  /**
   * Every face in a photo decoded under the pixel policy (imageSize.ts), largest first, with boxes and
   * keypoints in the file's pixels and `minFace` taken in them: the page, the CLI and the Node library
   * all go through here, so a photo over MAX_SIDE px gives the same faces everywhere.
   */
  async analyzePhoto(
    photo: DecodedPhoto,
    options: Partial<DetectorOptions> = {},
    withAligned?: (aligned: tf.Tensor3D[]) => Promise<void>,
  ): Promise<FaceAnalysis[]> {
    // minFace 0 (the default) is a share of the image, the same at any scale
    const decoded = options.minFace ? { ...options, minFace: minFaceDecoded(options.minFace, photo) } : options;
    return inFilePixels(await this.analyze(photo.pixels, decoded, withAligned), photo);
  }

  /** Align and estimate faces already detected in `image` (in their order). */
  async estimateDetected(
    image: tf.Tensor3D,
    faces: DetectedFace[],
    withAligned?: (aligned: tf.Tensor3D[]) => Promise<void>,
  ): Promise<FaceAnalysis[]> {
    const aligned = faces.map((f) => alignFace(image, f.keypoints));
    try {
      const estimates = await this.model.estimate(aligned);
      await withAligned?.(aligned);
      return faces.map((f, i) => ({ box: f.box, keypoints: f.keypoints, score: f.score, ...estimates[i] }));
    } finally {
      tf.dispose(aligned);
    }
  }

  /**
   * Every face in `input`, largest first, as plain objects: box, keypoints, score, age, ageLow, ageHigh,
   * gender, femaleProbability. Any size: detection runs on a copy at most `maxSide` (2048) px on its
   * longer side, faces are cut from the image itself. The caller keeps ownership of a tensor input.
   */
  async estimateFaces(input: FaceInput, options: Partial<DetectorOptions> = {}): Promise<FaceAnalysis[]> {
    const image = input instanceof tf.Tensor ? input : tf.browser.fromPixels(input as ImageData, 3);
    try {
      return await this.analyze(image, options);
    } finally {
      if (image !== input) image.dispose();
    }
  }

  dispose(): void {
    this.model.dispose();
    this.detector.dispose();
  }
}
