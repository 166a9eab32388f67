// The raw outputs of a BlazeFace graph model under tfjs, for training/tests/test_blazeface.py to compare
// with agegender_train.blazeface (the module that fine-tunes it) on the same input.
//
//   npx tsx training/tfjs_export/blazefaceOutputs.ts MODEL.json INPUT.f32 > outputs.json
// INPUT.f32: float32 little-endian [n, 128, 128, 3] in -1..1; prints {"shapes": [...], "values": [[...], ...]}.
import { readFileSync } from 'node:fs';
import * as tf from '@tensorflow/tfjs';
import { initBackend, modelFromDisk } from '../../src/cli/nodeRuntime';

const [modelJson, inputPath] = process.argv.slice(2);
if (!modelJson || !inputPath) throw new Error('usage: blazefaceOutputs.ts MODEL.json INPUT.f32');
await initBackend('cpu');
const graph = await tf.loadGraphModel(modelFromDisk(modelJson));
const bytes = readFileSync(inputPath);
const input = new Float32Array(bytes.buffer, bytes.byteOffset, bytes.byteLength / 4);
const outputs = tf.tidy(() => {
  const x = tf.tensor4d(input, [input.length / (128 * 128 * 3), 128, 128, 3]);
  // the converted graph takes one image at a time (detect.ts frees its batch size when it loads it)
  return tf.unstack(x).map((image) => graph.execute(image.expandDims(0), ['Identity', 'Identity_1', 'Identity_2', 'Identity_3']) as tf.Tensor[]);
});
const joined = [0, 1, 2, 3].map((k) => tf.concat(outputs.map((o) => o[k])));
process.stdout.write(JSON.stringify({ shapes: joined.map((t) => t.shape), values: joined.map((t) => Array.from(t.dataSync())) }));
