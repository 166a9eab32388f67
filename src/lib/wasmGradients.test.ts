// The gradient kernels added to tfjs's WASM backend give what the CPU backend's own give, and leave nothing behind.
import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { initBackend } from '../node/nodeRuntime';
import { AgeGenderModel } from './model';
import { TINY_METADATA, tinyNetworkArtifacts } from './tinyNetwork.fixture';
import { addWasmGradients } from './wasmGradients';

type Pad = 'same' | 'valid';
interface Case {
  batch: number;
  height: number;
  width: number;
  channels: number;
  out: number;
  kernel: number;
  stride: number;
  pad: Pad;
}
// Even and odd sizes, every stride and padding the model has, and some it has not.
const CASES: Case[] = [
  { batch: 2, height: 8, width: 8, channels: 3, out: 4, kernel: 3, stride: 1, pad: 'same' },
  { batch: 2, height: 8, width: 8, channels: 3, out: 5, kernel: 3, stride: 2, pad: 'same' },
  { batch: 1, height: 9, width: 7, channels: 4, out: 2, kernel: 5, stride: 2, pad: 'same' },
  { batch: 1, height: 10, width: 10, channels: 2, out: 3, kernel: 5, stride: 2, pad: 'same' },
  { batch: 1, height: 7, width: 9, channels: 6, out: 3, kernel: 1, stride: 1, pad: 'same' },
  { batch: 1, height: 7, width: 9, channels: 2, out: 7, kernel: 1, stride: 1, pad: 'valid' },
  { batch: 1, height: 8, width: 9, channels: 4, out: 3, kernel: 1, stride: 2, pad: 'same' },
  { batch: 1, height: 7, width: 9, channels: 2, out: 3, kernel: 3, stride: 2, pad: 'valid' },
  { batch: 2, height: 8, width: 7, channels: 3, out: 2, kernel: 2, stride: 3, pad: 'valid' },
];

/** Gradients of a convolution's and a depthwise convolution's output with respect to input and filter, as arrays. */
function gradients(c: Case, seed: number): number[][] {
  return tf.tidy(() => {
    const x = tf.randomNormal([c.batch, c.height, c.width, c.channels], 0, 1, 'float32', seed) as tf.Tensor4D;
    const filter = tf.randomNormal([c.kernel, c.kernel, c.channels, c.out], 0, 1, 'float32', seed + 1) as tf.Tensor4D;
    const depthwise = tf.randomNormal([c.kernel, c.kernel, c.channels, 1], 0, 1, 'float32', seed + 2) as tf.Tensor4D;
    // squared: the gradient flowing back differs from pixel to pixel
    const conv = (a: tf.Tensor, b: tf.Tensor) =>
      tf
        .conv2d(a as tf.Tensor4D, b as tf.Tensor4D, c.stride, c.pad)
        .square()
        .sum();
    const dw = (a: tf.Tensor) =>
      tf
        .depthwiseConv2d(a as tf.Tensor4D, depthwise, c.stride, c.pad)
        .square()
        .sum();
    const [dx, dFilter] = tf.grads(conv)([x, filter]);
    return [dx, dFilter, tf.grad(dw)(x)].map((t) => Array.from(t.dataSync()));
  });
}

describe('gradients on WASM', () => {
  it("match the CPU backend's for convolutions and depthwise convolutions of every stride and padding", async () => {
    await initBackend('cpu');
    const expected = CASES.map((c, i) => gradients(c, 10 * i + 1));
    await initBackend('wasm');
    addWasmGradients();
    const dataBefore = tf.backend().numDataIds();
    CASES.forEach((c, i) => {
      const got = gradients(c, 10 * i + 1);
      got.forEach((values, k) => {
        const scale = Math.max(...expected[i][k].map(Math.abs));
        const error = Math.max(...values.map((v, j) => Math.abs(v - expected[i][k][j])));
        expect(error / scale, `${JSON.stringify(c)}: ${['dx', 'dFilter', 'depthwise dx'][k]}`).toBeLessThan(1e-5);
      });
    });
    expect(tf.backend().numDataIds()).toBe(dataBefore); // every intermediate disposed
  });

  it("match the CPU backend's through the model's layers, end to end", async () => {
    const artifacts = await tinyNetworkArtifacts({ metadata: TINY_METADATA, seeded: true });
    const inputGradient = async (): Promise<number[]> => {
      const model = await AgeGenderModel.load(tf.io.fromMemory(artifacts));
      const x = tf.randomNormal([2, 32, 32, 3], 0, 1, 'float32', 3) as tf.Tensor4D;
      const g = tf.grad((t: tf.Tensor) => model.outputs(t as tf.Tensor4D).age.sum())(x);
      const values = Array.from(await g.data());
      tf.dispose([x, g]);
      model.dispose();
      return values;
    };
    await initBackend('cpu');
    const expected = await inputGradient();
    await initBackend('wasm');
    addWasmGradients();
    const got = await inputGradient();
    const scale = Math.max(...expected.map(Math.abs));
    expect(Math.max(...got.map((v, i) => Math.abs(v - expected[i]))) / scale).toBeLessThan(1e-4);
  });
});
