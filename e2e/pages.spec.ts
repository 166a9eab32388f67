import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, type Locator, type Page, test } from '@playwright/test';
import { modelSummary } from '../src/app/modelSummary';
import type { ModelCard } from '../src/lib/modelCard';
import { watchErrors } from './pageErrors';
import { screenshotPath } from './screenshots';

const card = (model: string): ModelCard =>
  JSON.parse(readFileSync(join(import.meta.dirname, '..', 'public', 'models', model, 'model-card.json'), 'utf8'));

/** Unfold one of the Model page's technical sections. */
async function unfold(page: Page, id: string): Promise<void> {
  await page.getByTestId(id).evaluate((d: HTMLDetailsElement) => (d.open = true));
}

/** A chart is drawn: its canvas has thousands of painted pixels. */
async function expectDrawn(chart: Locator): Promise<void> {
  await expect(chart).toBeVisible();
  await expect
    .poll(() =>
      chart.locator('canvas').evaluate((c: HTMLCanvasElement) => {
        const { data } = c.getContext('2d')!.getImageData(0, 0, c.width, c.height);
        let painted = 0;
        for (let i = 3; i < data.length; i += 4) if (data[i] > 0) painted++;
        return painted;
      }),
    )
    .toBeGreaterThan(2000);
}

test('the model page draws the model card: per age, age band x gender, race, coverage, calibration, training, shift benchmark', async ({
  page,
}) => {
  const errors = watchErrors(page);
  await page.goto('/');
  await page.getByTestId('view-model').click();
  await expect(page.getByTestId('model-name')).toHaveText('About agegender');
  // Three plain lines first, every number from the card: how close the age is, how often the range holds, where it
  // is weaker (FairFace's wild photos, adult women read as men).
  const accurate = card('agegender');
  for (const line of modelSummary(accurate))
    await expect(page.getByTestId(`summary-${line.id}`)).toHaveText(`${line.lead} ${line.text}`);
  await expect(page.getByTestId('summary-age')).toHaveText(/^How close the age is: on average .* \d\.\d years off/);
  await expect(page.getByTestId('summary-range')).toHaveText(/^How often the 90% range holds: it held .* for \d+%/);
  await expect(page.getByTestId('summary-weaker')).toContainText(/gender is right for \d+% of photos/);
  await expect(page.getByTestId('summary-weaker')).toContainText(/\d+% of adult women are read as men/);
  await expect(page.getByTestId('glossary')).toContainText('Mean absolute error');
  await expect(page.getByTestId('model-size')).toHaveText(/^\d\.\d\d MB download$/);
  // the data terms that bind the weights, from the card's license section
  await expect(page.getByTestId('model-license')).toContainText(
    'UTKFace (Zhang, Song and Qi, 2017) (non-commercial research only)',
  );
  // The technical detail is folded away.
  await expect(page.getByText(/\(a sample of \d+\)/)).toBeHidden();
  await unfold(page, 'details-splits');
  await expect(page.getByText(/\(a sample of \d+\)/)).toBeVisible(); // the train row is a sample of the faces trained on
  for (const id of [
    'by-age',
    'band-gender-age_mae',
    'band-gender-gender_accuracy',
    'by-race',
    'coverage',
    'reliability',
  ])
    await expectDrawn(page.getByTestId(`chart-${id}`));
  // Training: a curve from three epochs; fewer are a table of their numbers (a line through two points says nothing).
  await unfold(page, 'details-training');
  const training = page.getByTestId('chart-training');
  if (accurate.training.history.length >= 3) await expectDrawn(training);
  else {
    await expect(training.locator('canvas')).toHaveCount(0);
    await expect(training.locator('tbody tr')).toHaveCount(accurate.training.history.length);
  }
  await expect(page.getByTestId('calibration-method')).toContainText('band of true age');
  await expect(page.getByTestId('model-recipe')).toHaveText('Recipe: training/recipes/v13.json');
  // v13 is v11 fine-tuned and taught by v9, named by revision and content: their path now holds v13.
  await expect(page.getByTestId('model-init')).toHaveText(
    /^Fine-tuned from git:8e51803:public\/models\/agegender\/model\.json \(sha256 [0-9a-f]+\)\.$/,
  );
  await expect(page.getByTestId('model-teacher')).toContainText(
    'git:6e6a06f:public/models/agegender/model.json (sha256 ',
  );
  // Real photos: the fold it never saw, before and after, and how it was judged.
  await expect(page.getByTestId('real-photo-table')).toContainText('all');
  await unfold(page, 'details-real-photos');
  await expect(page.getByTestId('real-photo-note')).toContainText(accurate.real_photos!.note!);
  // face-api.js beside it on the same photos: how many it found, and what it lacks said in words.
  const faceApi = accurate.real_photos!.face_api!;
  const fairface = page.getByTestId('fairface-table');
  await expect(fairface.locator('thead')).toContainText('face-api.js');
  await expect(fairface.locator('tbody tr').first()).toContainText(faceApi.fairface!.face_found!.toFixed(3));
  await expect(fairface).toContainText('no band');
  await expect(page.getByTestId('real-photo-note')).toContainText(faceApi.command);
  // The shift benchmark: one row per condition, clean faces first, old scans among them.
  const shift = page.getByTestId('shift-benchmark');
  await expect(shift.locator('tbody tr').first()).toContainText('clean');
  await expect(shift).toContainText('old scan');
  expect(await shift.locator('tbody tr').count()).toBeGreaterThanOrEqual(10);
  await page.screenshot({ path: screenshotPath('model.png'), fullPage: true });
  // The fast model for live video has its own card.
  await page.getByTestId('card-fast').check();
  await expect(page.getByTestId('model-name')).toHaveText('About agegender-fast');
  for (const line of modelSummary(card('agegender-fast')))
    await expect(page.getByTestId(`summary-${line.id}`)).toHaveText(`${line.lead} ${line.text}`);
  await expect(page.getByTestId('model-teacher')).toContainText('public/models/agegender/model.json');
  await expect(page.getByTestId('model-recipe')).toHaveText('Recipe: training/recipes/fast.json');
  await expect(page.getByTestId('model-init')).toHaveText(
    /^Started from ImageNet EfficientNet-Lite0 .*its first 5 stages/,
  );
  await expect(page.getByTestId('model-size')).toHaveText(/^0\.\d\d MB download$/); // under 1 MB
  await expectDrawn(page.getByTestId('chart-by-age'));
  await unfold(page, 'details-training'); // folded again: the page drew the new card afresh
  await expectDrawn(page.getByTestId('chart-training')); // the fast card's epochs make a curve
  expect(errors).toEqual([]);
});

test('the dataset page draws the training labels and evaluates a folder of fixture faces in the browser', async ({
  page,
}) => {
  const errors = watchErrors(page);
  await page.goto('/');
  await expect(page.getByTestId('model-status')).toContainText('Ready.');
  await page.getByTestId('view-dataset').click();
  for (const id of ['dataset-age', 'dataset-gender', 'dataset-race'])
    await expectDrawn(page.getByTestId(`chart-${id}`));
  await page.getByTestId('folder-input').setInputFiles(join(import.meta.dirname, 'fixtures', 'faces'));
  await expect(page.getByTestId('folder-summary')).toHaveText(/^8 faces: age MAE \d+\.\d\d years/);
  await expect(page.getByTestId('group-metrics')).toContainText('81+');
  await expectDrawn(page.getByTestId('chart-folder-by-race'));
  await page.screenshot({ path: screenshotPath('dataset.png'), fullPage: true });
  expect(errors).toEqual([]);
});
