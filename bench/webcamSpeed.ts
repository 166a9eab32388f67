// npm run bench:webcam -- [--frames 80] [--full-search-every N] [--estimate-every N] [--model public/models/agegender-fast/model.json]
//
// Live video, per 640x480 frame, in Node (tfjs WASM backend, one core): our live pipeline
// (src/lib/live.ts: a full search now and then, tracked faces found again through one window each,
// estimated every few frames) beside face-api.js's usual webcam pipeline (TinyFaceDetector at 416 +
// tiny 68-point landmarks + age/gender) on the same frames. The frames pan across two fixture photos
// side by side (about 6 px per frame, zooming in and out): the group of three leaves on the left,
// the two people come in on the right. Also checks that speed is not bought by losing faces: every
// face a full search finds in a frame should have a live box over it (IoU >= 0.5). The model is the
// fast one, as the webcam view's "auto" picks it where the accurate one is slow (as on one WASM core).
import { parseArgs } from 'node:util';
import * as faceapi from '@vladmandic/face-api/dist/face-api.node-wasm.js';
import * as tf from '@tensorflow/tfjs';
import sharp from 'sharp';
import { initBackend, modelFromDisk } from '../src/node/nodeRuntime';
import { FaceAnalyzer } from '../src/lib/analyze';
import { type Box, iou } from '../src/lib/geometry';
import { DEFAULT_LIVE_OPTIONS, LiveFaceAnalyzer } from '../src/lib/live';
import { median } from './timing';

const FACE_API_MODELS = 'node_modules/@vladmandic/face-api/model';
const [WIDTH, HEIGHT] = [640, 480];

/** Frames of a camera panning across the group photo and the two-people photo, side by side. */
async function panningFrames(count: number): Promise<tf.Tensor3D[]> {
  const left = await sharp('e2e/fixtures/photos/group-of-three.jpg').resize({ height: HEIGHT }).toBuffer();
  const right = await sharp('e2e/fixtures/photos/two-people.jpg').resize({ height: HEIGHT }).toBuffer();
  const [lw, rw] = [(await sharp(left).metadata()).width!, (await sharp(right).metadata()).width!];
  const gap = 120;
  const panorama = await sharp({
    create: { width: lw + gap + rw, height: HEIGHT + 120, channels: 3, background: '#808080' },
  })
    .composite([
      { input: left, left: 0, top: 60 },
      { input: right, left: lw + gap, top: 60 },
    ])
    .png()
    .toBuffer();
  const travel = lw + gap + rw - WIDTH;
  return Promise.all(
    Array.from({ length: count }, async (_, f) => {
      const zoom = 1 - 0.08 * Math.sin((Math.PI * f) / count); // window 640 -> 589 px wide and back
      const [w, h] = [Math.round(WIDTH * zoom), Math.round(HEIGHT * zoom)];
      const x = Math.round((travel * f) / (count - 1) + (WIDTH - w) / 2);
      const { data } = await sharp(panorama)
        .extract({ left: x, top: 60 + Math.round((HEIGHT - h) / 2), width: w, height: h })
        .resize(WIDTH, HEIGHT)
        .removeAlpha()
        .raw()
        .toBuffer({ resolveWithObject: true });
      return tf.tensor3d(new Uint8Array(data), [HEIGHT, WIDTH, 3], 'int32');
    }),
  );
}

const mean = (xs: number[]): number => xs.reduce((a, b) => a + b, 0) / xs.length;

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      frames: { type: 'string', default: '80' },
      model: { type: 'string', default: 'public/models/agegender-fast/model.json' },
      'full-search-every': { type: 'string', default: String(DEFAULT_LIVE_OPTIONS.fullSearchEvery) },
      'estimate-every': { type: 'string', default: String(DEFAULT_LIVE_OPTIONS.estimateEvery) },
    },
  });
  const liveOptions = {
    fullSearchEvery: Number(values['full-search-every']),
    estimateEvery: Number(values['estimate-every']),
  };
  const backend = await initBackend('wasm');
  const analyzer = await FaceAnalyzer.load({
    model: modelFromDisk(values.model),
    detector: modelFromDisk('public/models/blazeface/blazeface-front.json'),
  });
  await Promise.all(
    [faceapi.nets.tinyFaceDetector, faceapi.nets.faceLandmark68TinyNet, faceapi.nets.ageGenderNet].map((n) =>
      n.loadFromDisk(FACE_API_MODELS),
    ),
  );
  const faceApiOptions = new faceapi.TinyFaceDetectorOptions({ inputSize: 416 });
  const frames = await panningFrames(Number(values.frames));

  const timed = async (run: (frame: tf.Tensor3D) => Promise<unknown>): Promise<number[]> => {
    const times: number[] = [];
    for (const frame of frames) {
      const start = performance.now();
      await run(frame);
      times.push(performance.now() - start);
    }
    return times;
  };
  const liveRun = async (): Promise<{ times: number[]; boxes: Box[][] }> => {
    const live = new LiveFaceAnalyzer(analyzer, liveOptions);
    const boxes: Box[][] = [];
    const times = await timed(async (frame) => {
      boxes.push((await live.next(frame)).map((f) => f.box));
    });
    return { times, boxes };
  };
  const faceApi = async (frame: tf.Tensor3D): Promise<number> =>
    (
      await faceapi
        .detectAllFaces(frame as unknown as faceapi.TNetInput, faceApiOptions)
        .withFaceLandmarks(true)
        .withAgeAndGender()
    ).length;
  const searched: Box[][] = []; // what the full search finds on each frame, for the check below
  const fullSearch = async (frame: tf.Tensor3D): Promise<void> => {
    searched.push((await analyzer.analyze(frame, { maxFaces: 5 })).map((f) => f.box));
  };

  await liveRun(); // warm-up: kernels compiled, weights uploaded
  await timed(faceApi);
  const live = await liveRun();
  const theirs = await timed(faceApi);
  const full = await timed(fullSearch);

  // Every face a full search finds should lie under a live box.
  let [faceFrames, matched] = [0, 0];
  for (const [f, faces] of searched.entries()) {
    for (const face of faces) {
      faceFrames++;
      if (live.boxes[f].some((box) => iou(box, face) >= 0.5)) matched++;
    }
  }
  console.log(
    `model ${values.model}; tfjs ${tf.version.tfjs}, ${backend} backend; ${frames.length} frames of ${WIDTH}x${HEIGHT}, panning about 6 px a frame; per-frame medians after a warm-up pass`,
  );
  const p90 = (times: number[]): number => [...times].sort((a, b) => a - b)[Math.floor(0.9 * times.length)];
  const line = (name: string, times: number[]): void =>
    console.log(
      `${name.padEnd(64)} median ${median(times).toFixed(0).padStart(4)} ms, ` +
        `mean ${mean(times).toFixed(0).padStart(4)} ms, 90th percentile ${p90(times).toFixed(0).padStart(4)} ms`,
    );
  line('full search on every frame (the webcam view before)', full);
  line('face-api.js TinyFaceDetector 416 + tiny landmarks + age/gender', theirs);
  line(
    `agegender live (full search every ${liveOptions.fullSearchEvery}, estimate every ${liveOptions.estimateEvery})`,
    live.times,
  );
  console.log(
    `live boxes over the full search's faces (IoU >= 0.5): ${matched} of ${faceFrames} face-frames (${((100 * matched) / faceFrames).toFixed(1)}%)`,
  );
  console.log(
    `per-frame mean ${(mean(live.times) / mean(theirs)).toFixed(2)} of face-api's; per-frame median: agegender live ${median(live.times).toFixed(0)} ms, ` +
      `face-api ${median(theirs).toFixed(0)} ms, ratio ${(median(live.times) / median(theirs)).toFixed(2)}`,
  );
  tf.dispose(frames);
  analyzer.dispose();
}

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
