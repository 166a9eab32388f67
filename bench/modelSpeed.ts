// npm run bench:model -- [--batch 32] [--rounds 10] [--model public/models/agegender/model.json]
//
// Faces per second for the age/gender model alone in Node (tfjs WASM backend, batches), beside
// face-api.js's age/gender net (@vladmandic/face-api, the same tfjs and backend) on the same faces.
// Both include their own preprocessing (resize, normalise) from decoded face pixels.
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import * as faceapi from '@vladmandic/face-api/dist/face-api.node-wasm.js';
import * as tf from '@tensorflow/tfjs';
import { AgeGenderModel } from '../src/lib/model';
import { initBackend, modelFromDisk } from '../src/node/nodeRuntime';
import { imageTensor, readImage } from '../src/node/readImage';
import { FACE_API_MODELS } from './faceApi';
import { medianMs } from './timing';

const FACES = 'e2e/fixtures/faces';

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      batch: { type: 'string', default: '32' },
      rounds: { type: 'string', default: '10' },
      model: { type: 'string', default: 'public/models/agegender/model.json' },
    },
  });
  const batch = Number(values.batch);
  const rounds = Number(values.rounds);
  const backend = await initBackend('wasm');
  const files = readdirSync(FACES)
    .sort()
    .map((f) => join(FACES, f));
  const decoded = await Promise.all(files.map(readImage));
  const faces = Array.from({ length: batch }, (_, i) => {
    const img = decoded[i % decoded.length];
    return imageTensor(img);
  });

  const ours = await AgeGenderModel.load(modelFromDisk(values.model!));
  const oursMs = await medianMs(
    rounds,
    async () => {
      await ours.estimate(faces);
    },
    2,
  );

  await faceapi.nets.ageGenderNet.loadFromDisk(FACE_API_MODELS);
  const floats = faces.map((f) => f.toFloat()); // face-api batches an array of [h, w, 3] tensors
  const theirsMs = await medianMs(
    rounds,
    async () => {
      await faceapi.nets.ageGenderNet.predictAgeAndGender(floats as unknown as faceapi.TNetInput);
    },
    2,
  );

  const size = (dir: string, match: RegExp): number =>
    readdirSync(dir)
      .filter((f) => match.test(f))
      .reduce((n, f) => n + statSync(join(dir, f)).size, 0);
  const oursBytes = size(join(values.model!, '..'), /\.(bin|json)$/) - size(join(values.model!, '..'), /card/);
  const theirsBytes = size(FACE_API_MODELS, /^age_gender_model/);
  console.log(
    `tfjs ${tf.version.tfjs}, ${backend} backend, batches of ${batch} faces (decoded ${files.length} fixture faces, repeated), median of ${rounds} runs`,
  );
  console.log(
    `agegender (${ours.metadata.inputSize}px${ours.metadata.flipAverage ? ', flip-averaged' : ''}, ${(oursBytes / 1e6).toFixed(2)} MB): ${(batch / (oursMs / 1000)).toFixed(1)} faces/s`,
  );
  console.log(
    `face-api ageGenderNet (112px, ${(theirsBytes / 1e6).toFixed(2)} MB): ${(batch / (theirsMs / 1000)).toFixed(1)} faces/s`,
  );
  tf.dispose([...faces, ...floats]);
  ours.dispose();
}

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
