// npm run bench:photos -- [--rounds 10]
//
// Median time per 640x480 photo with one to five faces, for the whole pipeline in Node (tfjs WASM
// backend): ours (BlazeFace with tiling, alignment, age/gender model) beside face-api.js's SSD
// MobileNet v1 detector + 68-point landmarks + age/gender net, on the same photos and machine.
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import * as tf from '@tensorflow/tfjs';
import sharp from 'sharp';
import { FaceAnalyzer } from '../src/lib/analyze';
import { initBackend, modelFromDisk } from '../src/node/nodeRuntime';
import { loadFaceApi } from './faceApi';
import { median, medianMs } from './timing';

const PHOTOS = 'e2e/fixtures/photos';

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { rounds: { type: 'string', default: '10' } } });
  const rounds = Number(values.rounds);
  const backend = await initBackend('wasm');
  const ours = await FaceAnalyzer.load({
    model: modelFromDisk('public/models/agegender/model.json'),
    detector: modelFromDisk('public/models/blazeface/blazeface-front.json'),
  });
  const faceApiFaces = await loadFaceApi();
  const faceApi = async (photo: tf.Tensor3D): Promise<number> => (await faceApiFaces(photo)).length;

  console.log(
    `tfjs ${tf.version.tfjs}, ${backend} backend; each photo letterboxed to 640x480; median of ${rounds} runs after a warm-up`,
  );
  const totals = { ours: [] as number[], faceApi: [] as number[] };
  for (const file of readdirSync(PHOTOS).sort()) {
    const { data, info } = await sharp(join(PHOTOS, file))
      .rotate()
      .resize(640, 480, { fit: 'contain' })
      .removeAlpha()
      .raw()
      .toBuffer({ resolveWithObject: true });
    const photo = tf.tensor3d(new Uint8Array(data), [info.height, info.width, 3], 'int32');
    const ourFaces = (await ours.analyze(photo)).length;
    if (ourFaces < 1 || ourFaces > 5) {
      photo.dispose();
      continue;
    } // the benchmark is about photos with one to five faces
    const theirFaces = await faceApi(photo);
    const oursMs = await medianMs(rounds, () => ours.analyze(photo));
    const theirsMs = await medianMs(rounds, () => faceApi(photo));
    totals.ours.push(oursMs);
    totals.faceApi.push(theirsMs);
    console.log(
      `${file.padEnd(36)} agegender ${oursMs.toFixed(0).padStart(4)} ms (${ourFaces} faces)   face-api SSD ${theirsMs.toFixed(0).padStart(4)} ms (${theirFaces} faces)`,
    );
    photo.dispose();
  }
  console.log(
    `median per photo: agegender ${median(totals.ours).toFixed(0)} ms, face-api SSD pipeline ${median(totals.faceApi).toFixed(0)} ms`,
  );
  ours.dispose();
}

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
