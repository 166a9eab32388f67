// Face pixels -> model input, with the arithmetic training used (training/agegender_train/preprocess.py):
// bilinear resize with half-pixel centres, then (x - mean) / std. Training read 200 px chips; a face
// crop at least twice that size is first brought down to about 200 px by averaging k x k blocks
// (k = the whole number of chips that fit across it), as a 200 px chip is made from a larger photo,
// so that a 1,000 px crop reads like the 200 px chip of the same face instead of being aliased.
import * as tf from '@tensorflow/tfjs';

export interface InputSpec {
  inputSize: number;
  pixelMean: number;
  pixelStd: number;
}

/** Side of the chips the model was trained on (UTKFace's aligned faces; alignFace cuts the same). */
export const CHIP_SIZE = 200;

/**
 * RGB [h, w, 3] -> float [1, height, width, 3]: bilinear, after averaging k x k blocks, where k is how many
 * times `block` (default: the output size) fits into the image along its tighter side, when that is 2 or more.
 */
export function resizeAntialiased(
  image: tf.Tensor3D,
  height: number,
  width: number,
  block: { height: number; width: number } = { height, width },
): tf.Tensor4D {
  return tf.tidy(() => {
    let x = image.toFloat().expandDims(0) as tf.Tensor4D;
    const k = Math.floor(Math.min(x.shape[1] / block.height, x.shape[2] / block.width));
    if (k >= 2) x = tf.avgPool(x, k, k, 'valid');
    return tf.image.resizeBilinear(x, [height, width], false, true);
  });
}

/** RGB faces [h, w, 3] (0..255, any size) -> one normalised batch [n, size, size, 3]. */
export function toModelInput(faces: tf.Tensor3D[], spec: InputSpec): tf.Tensor4D {
  return tf.tidy(() => {
    const resized = faces.map((face) =>
      resizeAntialiased(face, spec.inputSize, spec.inputSize, { height: CHIP_SIZE, width: CHIP_SIZE }),
    );
    return tf.concat(resized).sub(spec.pixelMean).div(spec.pixelStd) as tf.Tensor4D;
  });
}
