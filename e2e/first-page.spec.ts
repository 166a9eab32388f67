import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, type Page, test } from '@playwright/test';
import { CSV_COLUMNS } from '../src/lib/predictionRow';
import { watchErrors } from './pageErrors';
import { screenshotPath } from './screenshots';

const FACE = '29_0_4_20170103234728788.jpg.chip.jpg';
const FIXTURES = join(import.meta.dirname, 'fixtures');

async function dropFile(page: Page, path: string, name: string, type: string): Promise<void> {
  const bytes = [...readFileSync(path)];
  const dataTransfer = await page.evaluateHandle(
    ({ bytes, name, type }) => {
      const dt = new DataTransfer();
      dt.items.add(new File([new Uint8Array(bytes)], name, { type }));
      return dt;
    },
    { bytes, name, type },
  );
  await page.getByTestId('drop-zone').dispatchEvent('drop', { dataTransfer });
}

test('drop a face: the page shows an age with its interval and a gender', async ({ page }) => {
  const errors = watchErrors(page);
  await page.goto('/');
  await expect(page.getByTestId('model-status')).toContainText('Ready.');
  await dropFile(page, join(FIXTURES, 'faces', FACE), FACE, 'image/jpeg');
  const card = page.getByTestId('face-card').first();
  await expect(card.getByTestId('face-age')).toHaveText(/^Age \d+$/);
  await expect(card).toContainText(/90% interval: \d+ to \d+ years/);
  await expect(card.getByTestId('face-gender')).toHaveText(
    /^((Male|Female) \((over )?\d+% sure\)|Gender uncertain \(\d+% female\))$/,
  );
  await page.screenshot({ path: 'test-results/first-page.png', fullPage: true });
  expect(errors).toEqual([]);
  // Clear results: the cards go, and the photo's object URL is revoked (fetching it fails, which the console reports)
  const photoUrl = await page.locator('img[src^="blob:"]').first().getAttribute('src');
  await page.getByTestId('clear-results').click();
  await expect(page.getByTestId('face-card')).toHaveCount(0);
  expect(
    await page.evaluate(
      async (url) =>
        fetch(url!).then(
          () => 'still there',
          () => 'revoked',
        ),
      photoUrl,
    ),
  ).toBe('revoked');
});

test('drop a group photo: a box and a card for every face the CLI finds; a photo without faces says so', async ({
  page,
}) => {
  const errors = watchErrors(page);
  const photo = join(FIXTURES, 'photos', 'group-of-three.jpg');
  const cli = spawnSync('npx', ['--no-install', 'tsx', 'src/cli/predict.ts', '--format', 'json', photo], {
    encoding: 'utf8',
  });
  const cliFaces = (JSON.parse(cli.stdout) as { face: number | null }[]).filter((r) => r.face !== null).length;
  expect(cliFaces).toBe(3);
  await page.goto('/');
  await expect(page.getByTestId('model-status')).toContainText('Ready.');
  await page.getByTestId('file-input').setInputFiles(photo);
  const result = page.getByTestId('photo-result').first();
  await expect(result.getByTestId('face-card')).toHaveCount(cliFaces);
  await expect(result.getByTestId('face-box')).toHaveCount(cliFaces);
  // The user knows the first person's age: the card says how far off the estimate is.
  const card = result.getByTestId('face-card').first();
  // One plain line says where the estimate is weaker, with the model card's test figures.
  await expect(card.getByTestId('face-limits')).toHaveText(
    /^Trust it less: on photos from the web, gender is right for \d+% of faces/,
  );
  await card.getByText('Know the true age?').click();
  await card.getByTestId('true-age').fill('60');
  await expect(card.getByTestId('age-error')).toHaveText(
    /^Off by \d+ years?: (inside|outside) the 90% interval \(\d+ to \d+\)$/,
  );
  // The age shown is off by nothing; ages no one has are refused.
  const shown = (await card.getByTestId('face-age').textContent())!.replace('Age ', '');
  await card.getByTestId('true-age').fill(shown);
  await expect(card.getByTestId('age-error')).toHaveText(/^Off by 0 years: inside the 90% interval/);
  for (const impossible of ['-5', '250']) {
    await card.getByTestId('true-age').fill(impossible);
    await expect(card.getByTestId('age-error')).toHaveText('Type an age from 0 to 120.');
  }
  await card.getByTestId('true-age').fill('60');
  await page.screenshot({ path: screenshotPath('photos.png'), fullPage: true });
  // The batch as CSV: the CLI's columns, one row per face.
  const download = page.waitForEvent('download');
  await page.getByTestId('export-csv').click();
  const csv = readFileSync(await (await download).path(), 'utf8')
    .trim()
    .split('\n');
  expect(csv[0]).toBe(CSV_COLUMNS.join(','));
  expect(csv.slice(1).filter((line) => line.startsWith('group-of-three.jpg,'))).toHaveLength(cliFaces);
  await page.getByTestId('file-input').setInputFiles(join(FIXTURES, 'photos', 'dogs.jpg'));
  await expect(page.getByTestId('photo-result').last().getByTestId('no-face')).toHaveText(
    'No face found in this picture.',
  );
  expect(errors).toEqual([]);
});

test('the sample photo: one click, one face with its age', async ({ page }) => {
  const errors = watchErrors(page);
  await page.goto('/');
  await expect(page.getByTestId('model-status')).toContainText('Ready.');
  await page.getByTestId('sample-photo').click();
  await expect(page.getByTestId('photo-result').locator('h2')).toHaveText(/^sample: astronaut/);
  await expect(page.getByTestId('face-age')).toHaveCount(1);
  await expect(page.getByTestId('face-age')).toHaveText(/^Age \d+$/);
  expect(errors).toEqual([]);
});

test('a sample photo that cannot be loaded says so', async ({ page }) => {
  const errors = watchErrors(page);
  await page.route('**/samples/astronaut.jpg', (route) => route.fulfill({ status: 404 }));
  await page.goto('/');
  await expect(page.getByTestId('model-status')).toContainText('Ready.');
  await page.getByTestId('sample-photo').click();
  await expect(page.getByTestId('face-error')).toHaveText('the sample photo could not be loaded (HTTP 404)');
  // the browser's own log of the 404, and no unhandled rejection
  expect(errors).toEqual(['console: Failed to load resource: the server responded with a status of 404 (Not Found)']);
});

test('a file that is not an image gets a clear message and the page keeps working', async ({ page }) => {
  const errors = watchErrors(page);
  await page.goto('/');
  await expect(page.getByTestId('model-status')).toContainText('Ready.');
  await page.getByTestId('file-input').setInputFiles(join(FIXTURES, 'not-an-image.jpg'));
  await expect(page.getByTestId('face-error')).toContainText('not-an-image.jpg is not an image this browser can read');
  await expect(page.getByTestId('photo-result').first().locator('img')).toHaveCount(0); // no broken-image icon
  await page.getByTestId('file-input').setInputFiles(join(FIXTURES, 'faces', FACE));
  await expect(page.getByTestId('face-age').first()).toHaveText(/^Age \d+$/);
  expect(errors).toEqual([]);
});

test('pick a whole folder: every photo in it is analysed', async ({ page }) => {
  const errors = watchErrors(page);
  await page.goto('/');
  await expect(page.getByTestId('model-status')).toContainText('Ready.');
  await page.getByTestId('folder-photos-input').setInputFiles(join(FIXTURES, 'photos'));
  await expect(page.getByTestId('photo-result')).toHaveCount(5);
  await expect(page.getByTestId('no-face')).toHaveCount(1); // dogs.jpg
  await expect(page.getByTestId('face-card')).toHaveCount(3 + 3 + 1 + 2);
  expect(errors).toEqual([]);
});
