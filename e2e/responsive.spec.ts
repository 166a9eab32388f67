import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { expect, type Page, test } from '@playwright/test';
import { expectSteadyWebcamAges, WITH_FAKE_WEBCAM } from './fakeWebcam';
import { watchErrors } from './pageErrors';

const FIXTURES = join(import.meta.dirname, 'fixtures');
const PHOTOS = [
  ...readdirSync(join(FIXTURES, 'faces')).map((name) => join(FIXTURES, 'faces', name)),
  ...readdirSync(join(FIXTURES, 'photos')).map((name) => join(FIXTURES, 'photos', name)),
];
/** A task on the main thread this long or longer is a stutter users feel. */
const LONGEST_TASK_MS = 100;

test.use(WITH_FAKE_WEBCAM);
test.setTimeout(600_000);
// Task lengths depend on what else the machine is doing: a regression fails both tries, a busy moment only one.
test.describe.configure({ retries: 1 });

interface Seen {
  longTasks: { start: number; duration: number }[];
  firstPaint: number;
}

/** The longest main-thread task (ms) since the last call that began at or after `from` (ms since navigation), as a PerformanceObserver for long tasks saw it (0 if none took 50 ms). */
async function longestTaskSinceLastCall(page: Page, from = 0): Promise<number> {
  return page.evaluate((from) => {
    const tasks = (window as unknown as Seen).longTasks.splice(0);
    return Math.max(0, ...tasks.filter((t) => t.start >= from).map((t) => t.duration));
  }, from);
}

test('the page stays responsive (no main-thread task of 100 ms) while the models load, 20 photos are analysed and the webcam runs', async ({
  page,
}) => {
  await page.addInitScript(() => {
    const seen = window as unknown as Seen;
    seen.longTasks = [];
    seen.firstPaint = Infinity;
    new PerformanceObserver((list) => {
      for (const e of list.getEntries()) seen.longTasks.push({ start: e.startTime, duration: e.duration });
    }).observe({ type: 'longtask', buffered: true });
    new PerformanceObserver((list) => {
      seen.firstPaint = Math.min(seen.firstPaint, ...list.getEntries().map((e) => e.startTime));
    }).observe({ type: 'paint', buffered: true });
  });
  const errors = watchErrors(page);
  await page.goto('/');
  await expect(page.getByTestId('model-status')).toContainText('Ready.');
  await expect(page.getByTestId('analysis-thread')).toHaveText('in a worker');
  // The page's own first render (its script, then the first layout, 60-120 ms in this headless Chromium) ends before
  // the first paint; the models start loading after it, in a task of their own (src/main.ts). Reported, not bounded.
  const firstPaint = await page.evaluate(() => (window as unknown as Seen).firstPaint);
  expect(firstPaint).toBeLessThan(Infinity);
  const firstRender = await page.evaluate(
    (fp) => Math.max(0, ...(window as unknown as Seen).longTasks.filter((t) => t.start < fp).map((t) => t.duration)),
    firstPaint,
  );
  const loading = await longestTaskSinceLastCall(page, firstPaint);

  const twenty = Array.from({ length: 20 }, (_, i) => PHOTOS[i % PHOTOS.length]);
  await page.getByTestId('file-input').setInputFiles(twenty.slice(0, 10));
  await page.getByTestId('file-input').setInputFiles(twenty.slice(10)); // while the first ten run
  await expect(page.getByTestId('photo-result')).toHaveCount(20);
  await expect(page.getByTestId('batch-progress')).toHaveCount(0, { timeout: 400_000 });
  await expect(page.getByTestId('face-error')).toHaveCount(0);
  const photos = await longestTaskSinceLastCall(page);

  await page.getByTestId('view-webcam').click();
  await expect(page.getByTestId('webcam-face')).toHaveCount(3, { timeout: 180_000 });
  await expectSteadyWebcamAges(page, 250);
  const webcam = await longestTaskSinceLastCall(page);
  console.log(
    `longest main-thread task: ${firstRender} ms for the first render, ${loading} ms while the models load, ${photos} ms over 20 photos, ` +
      `${webcam} ms with the webcam on (0: none of 50 ms)`,
  );
  for (const [phase, ms] of Object.entries({ loading, photos, webcam }))
    expect(ms, `longest task while ${phase}`).toBeLessThan(LONGEST_TASK_MS);
  expect(errors).toEqual([]);
});
