// face-api.js (@vladmandic/face-api, on the same tfjs and backend as ours) as its users run it, for the
// benchmarks that put it beside us. Only measured: nothing of it is trained on or distilled.
import * as faceapi from '@vladmandic/face-api/dist/face-api.node-wasm.js';
import type * as tf from '@tensorflow/tfjs';

export const FACE_API_MODELS = 'node_modules/@vladmandic/face-api/model';

/** One face as face-api.js gives it: its box in the photo's pixels, age and the probability it is female. */
export interface FaceApiFace {
  box: { x: number; y: number; width: number; height: number };
  age: number;
  femaleProbability: number;
}

/**
 * face-api.js's photo pipeline: SSD MobileNet v1 (its default bar, 0.5), 68-point landmarks, then its
 * age/gender net on each aligned face.
 */
export async function loadFaceApi(): Promise<(photo: tf.Tensor3D) => Promise<FaceApiFace[]>> {
  await Promise.all(
    [faceapi.nets.ssdMobilenetv1, faceapi.nets.faceLandmark68Net, faceapi.nets.ageGenderNet].map((n) =>
      n.loadFromDisk(FACE_API_MODELS),
    ),
  );
  const options = new faceapi.SsdMobilenetv1Options({ minConfidence: 0.5 });
  return async (photo) =>
    (
      await faceapi
        .detectAllFaces(photo as unknown as faceapi.TNetInput, options)
        .withFaceLandmarks()
        .withAgeAndGender()
    ).map((f) => ({
      box: f.detection.box,
      age: f.age,
      femaleProbability: f.gender === 'female' ? f.genderProbability : 1 - f.genderProbability,
    }));
}
