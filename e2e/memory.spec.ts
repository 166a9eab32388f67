import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, test } from '@playwright/test';
import { watchErrors } from './pageErrors';

const FACES_DIR = join(import.meta.dirname, 'fixtures', 'faces');
const FACES = readdirSync(FACES_DIR).map((name) => ({ name, buffer: readFileSync(join(FACES_DIR, name)) }));
const [BATCHES, PER_BATCH] = [10, 50];

test.setTimeout(900_000);

// 500 photos in batches of 50, results cleared after each: the page's JS heap (after a garbage collection: the
// results, their object URLs) and the tfjs tensors (counted in the analysis worker) must not grow. On the WASM backend, because SwiftShader's WebGL would take most of an hour;
// tensors are counted by the tfjs engine whatever the backend, so a leak in our code shows on any.
test('memory stays flat over 500 photos (JS heap and tfjs tensors)', async ({ page }) => {
  const errors = watchErrors(page);
  const cdp = await page.context().newCDPSession(page);
  await page.goto('/?backend=wasm');
  await expect(page.getByTestId('model-status')).toContainText('tfjs wasm backend');
  const samples: { heapMB: number; tensors: number }[] = [];
  for (let batch = 0; batch < BATCHES; batch++) {
    const files = Array.from({ length: PER_BATCH }, (_, i) => {
      const face = FACES[(batch * PER_BATCH + i) % FACES.length];
      return { name: `${batch}-${i}-${face.name}`, mimeType: 'image/jpeg', buffer: face.buffer };
    });
    await page.getByTestId('file-input').setInputFiles(files);
    await expect(page.getByTestId('face-card')).toHaveCount(PER_BATCH, { timeout: 300_000 });
    await expect(page.getByTestId('photos-waiting')).toHaveCount(0);
    const tensors = Number((await page.getByTestId('tensor-count').textContent())?.match(/\d+/)?.[0]);
    await page.getByTestId('clear-results').click();
    await expect(page.getByTestId('photo-result')).toHaveCount(0);
    await cdp.send('HeapProfiler.collectGarbage');
    const { usedSize } = await cdp.send('Runtime.getHeapUsage');
    samples.push({ heapMB: usedSize / 2 ** 20, tensors });
  }
  console.log(
    samples
      .map((s, i) => `after ${(i + 1) * PER_BATCH} photos: ${s.heapMB.toFixed(1)} MB heap, ${s.tensors} tensors`)
      .join('\n'),
  );
  expect(new Set(samples.map((s) => s.tensors)).size, 'tensors alive after each batch').toBe(1);
  // The first batch warms caches up; from the second on, the heap must stay within 2 MB (the face images alone of one
  // batch, if kept, are about 1 MB).
  const heap = samples.slice(1).map((s) => s.heapMB);
  expect(Math.max(...heap) - heap[0]).toBeLessThan(2);
  expect(errors).toEqual([]);
});
