// AgeGenderModel: load() the exported tfjs-layers model and estimate() age and gender per face.
import * as tf from '@tensorflow/tfjs';
import { foldBatchNorm } from './foldBatchNorm';
import {
  type Calibration,
  type GenderCall,
  femaleProbability,
  genderCall,
  isOldScan,
  summariseAgeDistribution,
} from './interval';
import { checkedModelFiles, fetchFile } from './modelFiles';
import { type InputSpec, toModelInput } from './preprocess';

/** What the exporter stores in model.json's userDefinedMetadata: everything needed to run the model. */
export interface ModelMetadata extends InputSpec {
  maxAge: number;
  /** Average the outputs for each face and its mirror image (as training's evaluation did). */
  flipAverage: boolean;
  calibration: Calibration;
}

export interface AgeGenderEstimate {
  /** Expected age in years. */
  age: number;
  /** Calibrated interval meant to hold the true age with probability `coverage` (0.9). */
  ageLow: number;
  ageHigh: number;
  /** 'uncertain' when the probability is inside the model's uncertain band (calibration.gender_uncertain). */
  gender: GenderCall;
  /** Calibrated probability that the face is female. */
  femaleProbability: number;
  /**
   * The face looks like an old scanned print, unlike the training faces: its age comes from the head fitted
   * on old scans and its interval is calibrated on them. Always false for a model without a scan head.
   */
  oldScan: boolean;
}

export class AgeGenderModel {
  private constructor(
    private readonly net: tf.LayersModel,
    readonly metadata: ModelMetadata,
  ) {}

  /** `source`: URL of model.json (same origin in the browser; its files checked against the card beside it) or a tfjs IOHandler. */
  static async load(source: string | tf.io.IOHandler): Promise<AgeGenderModel> {
    const handler = typeof source === 'string' ? checkedModelFiles(source, fetchFile) : source;
    if (!handler.load) throw new Error('the model source cannot be loaded from (its IOHandler has no load())');
    const net = await tf.loadLayersModel(tf.io.fromMemory(await foldBatchNorm(await handler.load())));
    const metadata = net.getUserDefinedMetadata() as ModelMetadata | undefined;
    if (!metadata?.calibration || !metadata.inputSize) {
      net.dispose();
      throw new Error(
        'model.json has no agegender metadata (inputSize, calibration): was it written by training/tfjs_export?',
      );
    }
    return new AgeGenderModel(net, metadata);
  }

  /** Estimate every face in one batch. Faces are RGB [h, w, 3] tensors, 0..255, any size; the caller keeps ownership. */
  async estimate(faces: tf.Tensor3D[]): Promise<AgeGenderEstimate[]> {
    if (faces.length === 0) return [];
    // outputs: age probabilities, female logit and, in models with a scan head (v9 on), the old-scan logit and the
    // age probabilities for old scans
    const outputs = tf.tidy(() => {
      const x = toModelInput(faces, this.metadata);
      if (!this.metadata.flipAverage) return this.net.predict(x) as tf.Tensor[];
      const n = faces.length;
      const both = this.net.predict(tf.concat([x, tf.reverse(x, 2)])) as tf.Tensor[];
      return both.map((t) => t.slice(0, n).add(t.slice(n)).div(2));
    });
    try {
      const [probs, logits, scanLogits, scanProbs] = await Promise.all(outputs.map((t) => t.data()));
      const classes = this.metadata.maxAge + 1;
      const calibration = this.metadata.calibration;
      return faces.map((_, i) => {
        const p = femaleProbability(logits[i], calibration);
        const oldScan = scanLogits !== undefined && isOldScan(scanLogits[i], calibration);
        return {
          ...summariseAgeDistribution(
            (oldScan ? scanProbs : probs).subarray(i * classes, (i + 1) * classes),
            calibration,
            oldScan,
          ),
          gender: genderCall(p, calibration.gender_uncertain),
          femaleProbability: p,
          oldScan,
        };
      });
    } finally {
      tf.dispose(outputs);
    }
  }

  /**
   * The two quantities people ask about, as differentiable tensors (for saliency): expected age [n]
   * and the female logit [n], for one normalised batch from toModelInput(). No flip averaging.
   */
  outputs(input: tf.Tensor4D): { age: tf.Tensor1D; femaleLogit: tf.Tensor1D } {
    return tf.tidy(() => {
      const [probs, logit] = this.net.apply(input, { training: false }) as tf.Tensor[]; // (and the scan logit, unused here)
      const ages = tf.range(0, this.metadata.maxAge + 1);
      return { age: probs.mul(ages).sum(1) as tf.Tensor1D, femaleLogit: logit.reshape([-1]) as tf.Tensor1D };
    });
  }

  dispose(): void {
    this.net.dispose();
  }
}
