// A Y4M video made from a fixture photo, for Chromium's fake camera (--use-file-for-fake-video-capture).
import { writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, type Page } from '@playwright/test';
import sharp from 'sharp';
import { CHROMIUM_ARGS, CHROMIUM_PATH } from './chromium';

export const FAKE_WEBCAM_VIDEO = join(tmpdir(), 'agegender-fake-webcam.y4m');

/** For test.use(): Chromium with a fake camera that films the group photo (e2e/globalSetup.ts writes the video). */
export const WITH_FAKE_WEBCAM = {
  launchOptions: {
    executablePath: CHROMIUM_PATH,
    args: [
      ...CHROMIUM_ARGS,
      '--use-fake-device-for-media-stream',
      '--use-fake-ui-for-media-stream',
      `--use-file-for-fake-video-capture=${FAKE_WEBCAM_VIDEO}`,
    ],
  },
};

/**
 * Steady labels on the still group photo: once they have settled over their first estimates (1.5 s; the first,
 * from the whole frame's search, read the leftmost face 57 and the next ones 54-55), over 20 readings `everyMs`
 * apart, each face's displayed age (faces told apart by their boxes' places, left to right) moves less than 3 years.
 */
export async function expectSteadyWebcamAges(page: Page, everyMs: number): Promise<void> {
  await page.waitForTimeout(1500);
  const readings: number[][] = [];
  for (let i = 0; i < 20; i++) {
    const faces = await page.getByTestId('webcam-face').evaluateAll((gs) =>
      gs.map((g) => ({
        left: Number(g.querySelector('rect')!.getAttribute('x')),
        age: Number(g.querySelector('text')!.textContent!.trim().split(' ')[0]),
      })),
    );
    readings.push(faces.sort((a, b) => a.left - b.left).map((f) => f.age));
    await page.waitForTimeout(everyMs);
  }
  const full = readings.filter((r) => r.length === 3);
  expect(full.length).toBeGreaterThanOrEqual(15);
  for (let face = 0; face < 3; face++) {
    const ages = full.map((r) => r[face]);
    expect(Math.max(...ages) - Math.min(...ages)).toBeLessThan(3);
  }
}

/** 640x480 frames of the photo in 4:2:0 YUV (JPEG/BT.601 full range), as the Y4M format wants. */
export async function writeFakeWebcamVideo(photo: string, frames = 5): Promise<void> {
  const [w, h] = [640, 480];
  const { data } = await sharp(photo)
    .resize(w, h, { fit: 'cover' })
    .removeAlpha()
    .raw()
    .toBuffer({ resolveWithObject: true });
  const y = Buffer.alloc(w * h);
  const u = Buffer.alloc((w / 2) * (h / 2));
  const v = Buffer.alloc((w / 2) * (h / 2));
  const clamp = (x: number): number => Math.max(0, Math.min(255, Math.round(x)));
  for (let i = 0; i < w * h; i++) y[i] = clamp(0.299 * data[3 * i] + 0.587 * data[3 * i + 1] + 0.114 * data[3 * i + 2]);
  for (let r = 0; r < h / 2; r++) {
    for (let c = 0; c < w / 2; c++) {
      let [R, G, B] = [0, 0, 0];
      for (const [dr, dc] of [
        [0, 0],
        [0, 1],
        [1, 0],
        [1, 1],
      ]) {
        const p = 3 * ((2 * r + dr) * w + 2 * c + dc);
        R += data[p] / 4;
        G += data[p + 1] / 4;
        B += data[p + 2] / 4;
      }
      u[r * (w / 2) + c] = clamp(128 - 0.168736 * R - 0.331264 * G + 0.5 * B);
      v[r * (w / 2) + c] = clamp(128 + 0.5 * R - 0.418688 * G - 0.081312 * B);
    }
  }
  const frame = Buffer.concat([Buffer.from('FRAME\n'), y, u, v]);
  writeFileSync(
    FAKE_WEBCAM_VIDEO,
    Buffer.concat([Buffer.from(`YUV4MPEG2 W${w} H${h} F10:1 Ip A1:1 C420jpeg\n`), ...Array(frames).fill(frame)]),
  );
}
