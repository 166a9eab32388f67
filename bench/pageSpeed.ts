// npm run bench:page -- [--runs 3] [--photo e2e/fixtures/photos/portrait.jpg] [--webcam-seconds 10] [--backend NAME]
//
// The first visit as a newcomer meets it, in headless Chromium (Debian's; its WebGL is SwiftShader, software, as
// on VMs and machines without GPU acceleration): the built site (npm run build) served by vite preview, each run
// in a fresh browser profile (nothing cached). Prints, per run and their median: navigation to "Ready", navigation
// to the first photo's first age (the photo is given as soon as the page can take it), navigation to the webcam's
// first label (a fake camera filming the group photo), and the webcam's frames per second as the page reports
// them after --webcam-seconds.
import { existsSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { chromium, type Page } from '@playwright/test';
import { preview } from 'vite';
import { WITH_FAKE_WEBCAM, writeFakeWebcamVideo } from '../e2e/fakeWebcam';
import { median } from './timing';

const { values: args } = parseArgs({
  options: {
    runs: { type: 'string', default: '3' },
    photo: { type: 'string', default: 'e2e/fixtures/photos/portrait.jpg' },
    'webcam-seconds': { type: 'string', default: '10' },
    backend: { type: 'string' },
  },
});
const PORT = 4183;
const TIMEOUT = 180_000;

interface Run {
  readyMs: number;
  firstResultMs: number;
  webcamFirstLabelMs: number;
  webcamFps: number;
  backend: string;
}

async function firstVisit(page: Page, url: string): Promise<number> {
  const start = Date.now();
  await page.goto(url);
  return start;
}

async function oneRun(url: string): Promise<Run> {
  const browser = await chromium.launch(WITH_FAKE_WEBCAM.launchOptions);
  try {
    const photos = await browser.newPage();
    let start = await firstVisit(photos, url);
    await photos.getByTestId('file-input').setInputFiles(args.photo);
    const status = photos.getByTestId('model-status');
    await status.getByText('Ready.').waitFor({ timeout: TIMEOUT });
    const readyMs = Date.now() - start;
    await photos.getByTestId('face-age').first().waitFor({ timeout: TIMEOUT });
    const firstResultMs = Date.now() - start;
    const backend = (await status.textContent())?.match(/tfjs (\w+) backend/)?.[1] ?? '?';

    const webcam = await (await browser.newContext()).newPage();
    start = await firstVisit(webcam, url);
    await webcam.getByTestId('view-webcam').click();
    await webcam.getByTestId('webcam-label').first().waitFor({ timeout: TIMEOUT });
    const webcamFirstLabelMs = Date.now() - start;
    await webcam.waitForTimeout(Number(args['webcam-seconds']) * 1000);
    const fps = Number((await webcam.getByTestId('webcam-fps').textContent())?.match(/[\d.]+/)?.[0] ?? NaN);
    return { readyMs, firstResultMs, webcamFirstLabelMs, webcamFps: fps, backend };
  } finally {
    await browser.close();
  }
}

async function main(): Promise<void> {
  if (!existsSync('dist/index.html')) throw new Error('no dist/index.html: run npm run build first');
  await writeFakeWebcamVideo('e2e/fixtures/photos/group-of-three.jpg');
  const server = await preview({ preview: { host: '127.0.0.1', port: PORT, strictPort: true }, logLevel: 'silent' });
  const url = `http://127.0.0.1:${PORT}/${args.backend ? `?backend=${args.backend}` : ''}`;
  try {
    const runs: Run[] = [];
    console.log('run  backend  ready s  first result s  webcam first label s  webcam fps');
    for (let i = 0; i < Number(args.runs); i++) {
      const r = await oneRun(url);
      runs.push(r);
      console.log(
        `${String(i + 1).padEnd(4)} ${r.backend.padEnd(8)} ${(r.readyMs / 1000).toFixed(1).padStart(7)}  ` +
          `${(r.firstResultMs / 1000).toFixed(1).padStart(13)}  ${(r.webcamFirstLabelMs / 1000).toFixed(1).padStart(20)}  ${r.webcamFps.toFixed(1).padStart(10)}`,
      );
    }
    console.log(
      `median        ${(median(runs.map((r) => r.readyMs)) / 1000).toFixed(1).padStart(7)}  ` +
        `${(median(runs.map((r) => r.firstResultMs)) / 1000).toFixed(1).padStart(13)}  ` +
        `${(median(runs.map((r) => r.webcamFirstLabelMs)) / 1000).toFixed(1).padStart(20)}  ${median(
          runs.map((r) => r.webcamFps),
        )
          .toFixed(1)
          .padStart(10)}`,
    );
  } finally {
    await new Promise<void>((resolve) => server.httpServer.close(() => resolve()));
  }
}

main().catch((e: unknown) => {
  console.error(`error: ${e instanceof Error ? e.message : String(e)}`);
  process.exit(1);
});
