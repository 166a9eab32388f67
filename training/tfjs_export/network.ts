// The tf.layers twin of training/agegender_train/model.py (AgeGenderNet). Layer names here are the
// keys of model.py's tfjs_layer_weights(); the parity test proves the two compute the same thing.
import * as tf from '@tensorflow/tfjs';

export interface Stage {
  expand: number;
  kernel: number;
  stride: number;
  channels: number;
  repeats: number;
}

export interface Architecture {
  stem: number;
  head: number;
  stages: Stage[];
}

const BN_EPSILON = 1e-3;

function convBn(x: tf.SymbolicTensor, name: string, filters: number, kernel: number, stride: number,
  bnName: string, relu6: boolean): tf.SymbolicTensor {
  let h = tf.layers.conv2d({ name, filters, kernelSize: kernel, strides: stride, padding: 'same', useBias: false }).apply(x) as tf.SymbolicTensor;
  h = tf.layers.batchNormalization({ name: bnName, axis: -1, epsilon: BN_EPSILON }).apply(h) as tf.SymbolicTensor;
  return relu6 ? (tf.layers.reLU({ maxValue: 6 }).apply(h) as tf.SymbolicTensor) : h;
}

function mbConv(x: tf.SymbolicTensor, i: number, inCh: number, outCh: number, expand: number, kernel: number,
  stride: number): tf.SymbolicTensor {
  let h = x;
  if (expand !== 1) h = convBn(h, `block${i}_expand_conv`, inCh * expand, 1, 1, `block${i}_expand_bn`, true);
  h = tf.layers.depthwiseConv2d({ name: `block${i}_dwconv`, kernelSize: kernel, strides: stride, padding: 'same', useBias: false }).apply(h) as tf.SymbolicTensor;
  h = tf.layers.batchNormalization({ name: `block${i}_dw_bn`, axis: -1, epsilon: BN_EPSILON }).apply(h) as tf.SymbolicTensor;
  h = tf.layers.reLU({ maxValue: 6 }).apply(h) as tf.SymbolicTensor;
  h = convBn(h, `block${i}_project_conv`, outCh, 1, 1, `block${i}_project_bn`, false);
  return stride === 1 && inCh === outCh ? (tf.layers.add().apply([x, h]) as tf.SymbolicTensor) : h;
}

/**
 * Input: normalised NHWC images. Outputs: age probabilities [N, maxAge+1], the female logit [N, 1] and,
 * with `scanHead`, the logit that the face is an old scanned print [N, 1] and the age probabilities for such a face.
 */
export function buildAgeGenderNetwork(arch: Architecture, inputSize: number, maxAge: number, scanHead = false): tf.LayersModel {
  const input = tf.input({ shape: [inputSize, inputSize, 3], name: 'image' });
  let h = convBn(input, 'stem_conv', arch.stem, 3, 2, 'stem_bn', true);
  let inCh = arch.stem;
  let i = 0;
  for (const stage of arch.stages) {
    for (let r = 0; r < stage.repeats; r++, i++) {
      h = mbConv(h, i, inCh, stage.channels, stage.expand, stage.kernel, r === 0 ? stage.stride : 1);
      inCh = stage.channels;
    }
  }
  h = convBn(h, 'head_conv', arch.head, 1, 1, 'head_bn', true);
  const features = tf.layers.globalAveragePooling2d({}).apply(h) as tf.SymbolicTensor;
  const ageProbs = tf.layers.dense({ name: 'age_probs', units: maxAge + 1, activation: 'softmax' }).apply(features) as tf.SymbolicTensor;
  const femaleLogit = tf.layers.dense({ name: 'female_logit', units: 1 }).apply(features) as tf.SymbolicTensor;
  const outputs = [ageProbs, femaleLogit];
  if (scanHead) {
    outputs.push(tf.layers.dense({ name: 'scan_logit', units: 1 }).apply(features) as tf.SymbolicTensor);
    outputs.push(tf.layers.dense({ name: 'scan_age_probs', units: maxAge + 1, activation: 'softmax' }).apply(features) as tf.SymbolicTensor);
  }
  return tf.model({ inputs: input, outputs, name: 'agegender' });
}
