// Face pixels -> model input, with the arithmetic training used (training/agegender_train/preprocess.py):
// bilinear resize with half-pixel centres and no antialiasing, then (x - mean) / std.
import * as tf from '@tensorflow/tfjs';

export interface InputSpec {
  inputSize: number;
  pixelMean: number;
  pixelStd: number;
}

/** RGB faces [h, w, 3] (0..255, any size) -> one normalised batch [n, size, size, 3]. */
export function toModelInput(faces: tf.Tensor3D[], spec: InputSpec): tf.Tensor4D {
  return tf.tidy(() => {
    const resized = faces.map((face) =>
      tf.image.resizeBilinear(face.toFloat(), [spec.inputSize, spec.inputSize], false, true));
    return tf.stack(resized).sub(spec.pixelMean).div(spec.pixelStd) as tf.Tensor4D;
  });
}
