import { join } from 'node:path';
import { expect, type Page, test } from '@playwright/test';
import { watchErrors } from './pageErrors';

const FACE = join(import.meta.dirname, 'fixtures', 'faces', '29_0_4_20170103234728788.jpg.chip.jpg');

async function analyse(page: Page, times: number): Promise<number> {
  for (let i = 0; i < times; i++) {
    const before = await page.getByTestId('photo-result').count();
    await page.getByTestId('file-input').setInputFiles(FACE);
    await expect(page.getByTestId('photo-result')).toHaveCount(before + 1);
    await expect(page.getByTestId('photo-result').last().getByTestId('face-age')).toBeVisible();
  }
  return Number((await page.getByTestId('tensor-count').textContent())!.split(' ')[0]);
}

test.setTimeout(420_000);

test('every request stays on the site; tensors stay flat; after one visit the app works offline', async ({
  page,
  context,
  baseURL,
}) => {
  const errors = watchErrors(page);
  const requests: string[] = [];
  context.on('request', (r) => requests.push(r.url()));
  await page.goto('/');
  await expect(page.getByTestId('model-status')).toContainText('Ready.');

  const after5 = await analyse(page, 5);
  const after50 = await analyse(page, 45);
  expect(after50).toBe(after5);

  const csp = await page.locator('meta[http-equiv="Content-Security-Policy"]').getAttribute('content');
  expect(csp).toContain("default-src 'self'");
  expect(csp).toContain("connect-src 'self'");
  const origin = new URL(baseURL!).origin;
  const elsewhere = requests.filter(
    (u) => !u.startsWith(`${origin}/`) && !u.startsWith('data:') && !u.startsWith('blob:'),
  );
  expect(elsewhere).toEqual([]);

  // The service worker has precached the site and the models: reload with the network off.
  await page.evaluate(async () => {
    await navigator.serviceWorker.ready;
  });
  await context.setOffline(true);
  await page.reload();
  await expect(page.getByTestId('model-status')).toContainText('Ready.');
  // The service worker keeps the cross-origin isolation headers (WASM threads need them).
  expect(await page.evaluate(() => crossOriginIsolated)).toBe(true);
  await page.getByTestId('file-input').setInputFiles(FACE);
  await expect(page.getByTestId('face-age').first()).toHaveText(/^Age \d+$/);
  await context.setOffline(false);
  expect(errors).toEqual([]);
});
