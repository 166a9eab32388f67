// Build AgeGenderNet with tf.layers, load the weights training/agegender_train/export.py wrote, and let
// tfjs's own serializer write model.json + weights.bin, optionally with quantized weights.
//
//   npx tsx training/tfjs_export/export.ts --weights DIR --out public/models/agegender [--quantize float16|uint8|uint8-small|none]
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { Float16Array } from '@petamoriken/float16';
import * as tf from '@tensorflow/tfjs';
import type { ModelMetadata } from '../../src/lib/model';
import { type Architecture, buildAgeGenderNetwork } from './network';

// 'uint8': convolution and dense kernels (nearly all the bytes) as 8-bit affine, everything else
// (depthwise kernels, batch norm, biases: small and sensitive) as float16.
// 'uint8-small', for a model that must stay under a size (the fast model's 1 MB): depthwise kernels in
// 8 bits as well, each batch norm's statistics folded into its scale and offset (the same function in
// inference; its mean and variance then constant, and any constant tensor is stored exactly in one
// byte per value) and the topology without the initializer, regularizer and constraint fields that
// only training uses (tfjs's defaults fill them). For inference: a run that fine-tunes from such a
// model.json (--init-from) starts from batch norms without their training statistics.
type Quantization = 'none' | 'float16' | 'uint8' | 'uint8-small';
const QUANTIZATIONS: Quantization[] = ['none', 'float16', 'uint8', 'uint8-small'];

interface WeightsManifest {
  architecture: Architecture;
  metadata: ModelMetadata;
  layers: Record<string, { shape: number[]; offset: number }[]>;
}

function quantize(specs: tf.io.WeightsManifestEntry[], data: ArrayBuffer, mode: Quantization): { specs: tf.io.WeightsManifestEntry[]; data: ArrayBuffer } {
  if (mode === 'none') return { specs, data };
  const out: Uint8Array[] = [];
  let offset = 0;
  const quantized = specs.map((spec) => {
    const size = spec.shape.reduce((a, b) => a * b, 1);
    const values = new Float32Array(data, offset, size);
    offset += size * 4;
    let min = Infinity;
    let max = -Infinity;
    for (const v of values) { min = Math.min(min, v); max = Math.max(max, v); }
    const eightBit = spec.name.endsWith('/kernel') || (mode === 'uint8-small' && (spec.name.endsWith('/depthwise_kernel') || min === max));
    if (mode === 'float16' || !eightBit) {
      out.push(new Uint8Array(new Float16Array(values).buffer));
      return { ...spec, quantization: { dtype: 'float16' as const } };
    }
    const scale = max > min ? (max - min) / 255 : 1;
    out.push(Uint8Array.from(values, (v) => Math.round((v - min) / scale)));
    return { ...spec, quantization: { dtype: 'uint8' as const, scale, min } };
  });
  const total = out.reduce((n, a) => n + a.byteLength, 0);
  const joined = new Uint8Array(total);
  let at = 0;
  for (const a of out) { joined.set(a, at); at += a.byteLength; }
  return { specs: quantized, data: joined.buffer };
}

/** Each batch norm as gamma' = gamma / sqrt(var + eps), beta' = beta - mean * gamma', mean 0, variance 1 - eps: the same function. */
function foldBatchNormStatistics(model: tf.LayersModel): void {
  for (const layer of model.layers.filter((l) => l.getClassName() === 'BatchNormalization')) {
    const epsilon = layer.getConfig().epsilon as number;
    const [gamma, beta, mean, variance] = layer.getWeights();
    tf.tidy(() => {
      const scale = gamma.div(variance.add(epsilon).sqrt());
      layer.setWeights([scale, beta.sub(mean.mul(scale)), tf.zerosLike(mean), tf.onesLike(variance).mul(1 - epsilon)]);
    });
  }
}

/** The topology without the fields only training reads (initializers, regularizers, constraints). */
function withoutTrainingFields(topology: unknown): object {
  const strip = (value: unknown): unknown => Array.isArray(value) ? value.map(strip)
    : value && typeof value === 'object' ? Object.fromEntries(Object.entries(value)
      .filter(([key]) => !/_(initializer|regularizer|constraint)$/.test(key)).map(([key, v]) => [key, strip(v)]))
      : value;
  return strip(topology) as object;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      weights: { type: 'string' },
      out: { type: 'string', default: 'public/models/agegender' },
      quantize: { type: 'string', default: 'float16' },
    },
  });
  const mode = values.quantize as Quantization;
  if (!values.weights || !QUANTIZATIONS.includes(mode)) {
    throw new Error(`usage: export.ts --weights DIR [--out DIR] [--quantize ${QUANTIZATIONS.join('|')}]`);
  }
  await tf.setBackend('cpu');
  const manifest = JSON.parse(readFileSync(join(values.weights, 'weights.json'), 'utf8')) as WeightsManifest;
  const blob = readFileSync(join(values.weights, 'weights.bin'));
  const floats = new Float32Array(blob.buffer, blob.byteOffset, blob.byteLength / 4);
  const { inputSize, maxAge } = manifest.metadata;
  const model = buildAgeGenderNetwork(manifest.architecture, inputSize, maxAge, 'scan_logit' in manifest.layers);

  const expected = new Set(model.layers.filter((l) => l.getWeights().length > 0).map((l) => l.name));
  for (const [name, arrays] of Object.entries(manifest.layers)) {
    if (!expected.delete(name)) throw new Error(`weights for layer ${name}, which the tf.layers network does not have`);
    model.getLayer(name).setWeights(arrays.map(({ shape, offset }) =>
      tf.tensor(floats.subarray(offset, offset + shape.reduce((a, b) => a * b, 1)), shape)));
  }
  if (expected.size > 0) throw new Error(`no weights for layers ${[...expected].join(', ')}`);
  if (mode === 'uint8-small') foldBatchNormStatistics(model);
  model.setUserDefinedMetadata(manifest.metadata as unknown as object);

  mkdirSync(values.out, { recursive: true });
  await model.save(tf.io.withSaveHandler(async (artifacts) => {
    const data = tf.io.CompositeArrayBuffer.join(artifacts.weightData!);
    const { specs, data: weightData } = quantize(artifacts.weightSpecs!, data, mode);
    const modelJson: tf.io.ModelJSON = {
      format: artifacts.format,
      generatedBy: artifacts.generatedBy,
      convertedBy: `agegender training/tfjs_export (weights ${mode})`,
      modelTopology: mode === 'uint8-small' ? withoutTrainingFields(artifacts.modelTopology) : artifacts.modelTopology as object,
      weightsManifest: [{ paths: ['weights.bin'], weights: specs }],
      userDefinedMetadata: artifacts.userDefinedMetadata,
    };
    writeFileSync(join(values.out!, 'model.json'), JSON.stringify(modelJson));
    writeFileSync(join(values.out!, 'weights.bin'), new Uint8Array(weightData));
    console.log(`wrote ${values.out}/model.json and weights.bin (${(weightData.byteLength / 1e6).toFixed(2)} MB, ${mode})`);
    return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
  }));
}

main().catch((e: unknown) => {
  console.error(`error: ${e instanceof Error ? e.message : String(e)}`);
  process.exit(1);
});
