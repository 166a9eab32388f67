// npm run derive:template -- [--data ../shared/data/UTKFace] [--split training/splits/utkface.json] [--count 3000]
//
// Where BlazeFace puts the eyes, nose and mouth on the UTKFace training chips: the median over
// `--count` chips of the train part (evenly spread over it), written to src/lib/faceTemplate.json.
// alignFace maps every face found in a photo onto these points, so it looks like a training chip.
// Also writes, for each chip, the similarity transform alignFace would apply to it (--jitter-out):
// the detector's keypoint noise as geometry, which training samples from so that it sees faces cut
// the way the photo pipeline cuts them.
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import * as tf from '@tensorflow/tfjs';
import { SingleBar } from 'cli-progress';
import { type FaceTemplate, similarityTransform } from '../src/lib/align';
import { FaceDetector } from '../src/lib/detect';
import type { Point } from '../src/lib/geometry';
import { initBackend, modelFromDisk } from '../src/node/nodeRuntime';
import { imageTensor, readImage } from '../src/node/readImage';
import { median } from './timing';

const POINTS = ['rightEye', 'leftEye', 'nose', 'mouth'] as const;

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      data: { type: 'string', default: '../shared/data/UTKFace' },
      split: { type: 'string', default: 'training/splits/utkface.json' },
      count: { type: 'string', default: '3000' },
      detector: { type: 'string', default: 'public/models/blazeface/blazeface-front.json' },
      out: { type: 'string', default: 'src/lib/faceTemplate.json' },
      'jitter-out': { type: 'string', default: 'training/geometry/alignment-jitter.json' },
    },
  });
  const train = (JSON.parse(await readFile(values.split!, 'utf8')) as { train: string[] }).train;
  const count = Math.min(Number(values.count), train.length);
  const names = Array.from({ length: count }, (_, i) => train[Math.floor((i * train.length) / count)]);
  await initBackend('wasm');
  const detector = await FaceDetector.load(modelFromDisk(values.detector!));

  const found: Record<(typeof POINTS)[number], Point[]> = { rightEye: [], leftEye: [], nose: [], mouth: [] };
  let size = 0;
  const progress = new SingleBar({
    format: 'detecting [{bar}] {value}/{total} chips | {eta_formatted} left',
    stream: process.stderr,
    noTTYOutput: true,
    notTTYSchedule: 10_000,
  });
  progress.start(names.length, 0);
  for (const [i, name] of names.entries()) {
    const img = await readImage(join(values.data!, name));
    size = img.width;
    // The chips are cropped tight; BlazeFace finds far more of them with a margin around the face.
    const margin = Math.round(img.width / 4);
    const image = tf.tidy(() =>
      tf.pad(imageTensor(img), [
        [margin, margin],
        [margin, margin],
        [0, 0],
      ]),
    );
    const [face] = await detector.detect(image, { maxFaces: 1, minFace: img.width / 2 });
    image.dispose();
    if (face) for (const p of POINTS) found[p].push([face.keypoints[p][0] - margin, face.keypoints[p][1] - margin]);
    progress.update(i + 1);
  }
  progress.stop();
  detector.dispose();

  const faces = found.mouth.length;
  const template: FaceTemplate & Record<string, unknown> = {
    size,
    keypoints: Object.fromEntries(
      POINTS.map((p) => [p, [0, 1].map((k) => Number(median(found[p].map((q) => q[k])).toFixed(2)))]),
    ) as FaceTemplate['keypoints'],
    derivedFrom: {
      data: values.data,
      part: `train of ${values.split}`,
      chips: names.length,
      facesFound: faces,
      command: `npm run derive:template -- --count ${count}`,
    },
  };
  await writeFile(values.out!, `${JSON.stringify(template, null, 1)}\n`);
  console.error(
    `BlazeFace found a face on ${faces} of ${names.length} chips; median keypoints written to ${values.out}`,
  );

  // Chip -> aligned crop, per chip: scale, rotation (degrees) and shift (fraction of the side) of q = z p + t.
  const transforms = Array.from({ length: faces }, (_, i) => {
    const { a, b, tx, ty } = similarityTransform(
      POINTS.map((p) => found[p][i]),
      POINTS.map((p) => template.keypoints[p]),
    );
    const round = (v: number): number => Number(v.toFixed(4));
    return [round(Math.hypot(a, b)), round((Math.atan2(b, a) * 180) / Math.PI), round(tx / size), round(ty / size)];
  });
  await writeFile(
    values['jitter-out']!,
    `${JSON.stringify({
      fields: ['scale', 'rotate_deg', 'tx', 'ty'],
      size,
      derivedFrom: template.derivedFrom,
      transforms,
    })}\n`,
  );
  console.error(`alignment transforms of ${faces} chips written to ${values['jitter-out']}`);
}

main().catch((e: unknown) => {
  console.error(`error: ${e instanceof Error ? e.message : String(e)}`);
  process.exit(1);
});
