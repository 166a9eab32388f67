import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { expect, test } from '@playwright/test';
import { watchErrors } from './pageErrors';

const FIXTURES = join(import.meta.dirname, 'fixtures');
const FACES = readdirSync(join(FIXTURES, 'faces')).map((name) => join(FIXTURES, 'faces', name));

test('photos dropped while a batch runs wait their turn: none lost, none stuck', async ({ page }) => {
  const errors = watchErrors(page);
  await page.goto('/');
  await expect(page.getByTestId('model-status')).toContainText('Ready.');
  await page.getByTestId('file-input').setInputFiles(FACES);
  await expect(page.getByTestId('photos-waiting')).toBeVisible(); // the first batch is still running…
  await page.getByTestId('folder-photos-input').setInputFiles(join(FIXTURES, 'photos')); // …when five more photos come
  await expect(page.getByTestId('photo-result')).toHaveCount(FACES.length + 5);
  await expect(page.getByTestId('photos-waiting')).toHaveCount(0, { timeout: 240_000 });
  await expect(page.getByText('Looking for faces…')).toHaveCount(0);
  await expect(page.getByText('Waiting for the photos before it…')).toHaveCount(0);
  // Every chip has its face; the photos have theirs (dogs.jpg none).
  await expect(page.getByTestId('face-card')).toHaveCount(FACES.length + 3 + 3 + 1 + 2);
  await expect(page.getByTestId('no-face')).toHaveCount(1);
  // Listed in the order given, and summed up at the end.
  await expect(page.getByTestId('photo-result').first().locator('h2')).toHaveText(FACES[0].split('/').at(-1)!);
  await expect(page.getByTestId('batch-summary')).toHaveText(
    `Done: ${FACES.length + 5} photos in all, ${FACES.length + 9} faces, 1 without a face.`,
  );
  expect(errors).toEqual([]);
});

test('a batch shows its progress, stops after the current photo, says what it left and resumes', async ({ page }) => {
  const errors = watchErrors(page);
  await page.goto('/');
  await expect(page.getByTestId('model-status')).toContainText('Ready.');
  await page.getByTestId('file-input').setInputFiles(FACES);
  await expect(page.getByTestId('batch-progress')).toContainText(`of ${FACES.length}`);
  await page.getByTestId('stop-batch').click();
  await expect(page.getByTestId('batch-progress')).toHaveCount(0);
  const kept = await page.getByTestId('photo-result').count();
  expect(kept).toBeGreaterThanOrEqual(1);
  expect(kept).toBeLessThan(FACES.length);
  await expect(page.getByTestId('face-card')).toHaveCount(kept); // every photo kept was analysed to the end
  await expect(page.getByText('Waiting for the photos before it…')).toHaveCount(0);
  const left = FACES.length - kept;
  await expect(page.getByTestId('batch-summary')).toContainText(
    `Stopped before ${left} photo${left === 1 ? '' : 's'}.`,
  );
  await page.getByTestId('resume-batch').click();
  await expect(page.getByTestId('face-card')).toHaveCount(FACES.length, { timeout: 120_000 });
  // the summary counts every photo so far, not only the last batch's
  await expect(page.getByTestId('batch-summary')).toHaveText(
    `Done: ${FACES.length} photos in all, ${FACES.length} faces.`,
  );
  expect(errors).toEqual([]);
});

// On the page (?worker=off): a test cannot reach into the worker's contexts. The service that recovers is
// the same code in the worker.
test('a lost WebGL context: the model is reloaded on the next backend, the page says so and goes on', async ({
  page,
}) => {
  // Keep every WebGL context the page makes, to lose them as a GPU reset would.
  await page.addInitScript(() => {
    const contexts: WebGLRenderingContext[] = [];
    (window as unknown as { glContexts: WebGLRenderingContext[] }).glContexts = contexts;
    const getContext = HTMLCanvasElement.prototype.getContext;
    HTMLCanvasElement.prototype.getContext = function (this: HTMLCanvasElement, kind: string, ...rest: unknown[]) {
      const ctx = (getContext as (...a: unknown[]) => RenderingContext | null).call(this, kind, ...rest);
      if (ctx && kind.startsWith('webgl')) contexts.push(ctx as WebGLRenderingContext);
      return ctx;
    } as typeof getContext;
    const offscreen = OffscreenCanvas.prototype.getContext;
    OffscreenCanvas.prototype.getContext = function (this: OffscreenCanvas, kind: string, ...rest: unknown[]) {
      const ctx = (offscreen as (...a: unknown[]) => unknown).call(this, kind, ...rest);
      if (ctx && kind.startsWith('webgl')) contexts.push(ctx as WebGLRenderingContext);
      return ctx;
    } as typeof offscreen;
  });
  const errors = watchErrors(page);
  await page.goto('/?worker=off&backend=webgl');
  await expect(page.getByTestId('model-status')).toContainText('tfjs webgl backend');
  await expect(page.getByTestId('analysis-thread')).toHaveText('on the page (chosen by ?worker=off)');
  await page.getByTestId('file-input').setInputFiles(FACES[0]);
  await expect(page.getByTestId('face-age')).toHaveCount(1);
  const lost = await page.evaluate(
    () =>
      (window as unknown as { glContexts: WebGLRenderingContext[] }).glContexts
        .map((gl) => gl.getExtension('WEBGL_lose_context'))
        .filter((ext) => ext !== null)
        .map((ext) => ext.loseContext()).length,
  );
  expect(lost).toBeGreaterThan(0);
  await expect(page.getByTestId('model-status')).toContainText(
    'the webgl backend lost its GPU context, so the model was reloaded on wasm',
  );
  await page.getByTestId('file-input').setInputFiles(FACES.slice(1, 3));
  await expect(page.getByTestId('face-age')).toHaveCount(3);
  await expect(page.getByTestId('face-error')).toHaveCount(0);
  expect(errors).toEqual([]);
});
