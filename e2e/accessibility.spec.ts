import { join } from 'node:path';
import AxeBuilder from '@axe-core/playwright';
import { expect, type Page, test } from '@playwright/test';
import { WITH_FAKE_WEBCAM } from './fakeWebcam';

// WCAG 2.2 AA as axe-core checks it, on every view: the first page, a result, the webcam, Model and Dataset.
test.use(WITH_FAKE_WEBCAM);
test.setTimeout(300_000);

const PHOTO = join(import.meta.dirname, 'fixtures', 'photos', 'two-people.jpg');

async function violations(page: Page): Promise<string[]> {
  const { violations } = await new AxeBuilder({ page })
    .withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa'])
    .analyze();
  return violations.map((v) => `${v.id}: ${v.help} (${v.nodes.map((n) => n.target.join(' ')).join(', ')})`);
}

test('axe finds no WCAG 2.2 AA violation on any view', async ({ page }) => {
  await page.goto('/');
  await expect(page.getByTestId('model-status')).toContainText('Ready.');
  const found: Record<string, string[]> = { home: await violations(page) };
  // Keyboard users see where they are: the drop zone shows focus; progress and results are announced.
  await page.getByTestId('file-input').focus();
  expect(await page.getByTestId('drop-zone').evaluate((el) => getComputedStyle(el).outlineStyle)).toBe('solid');
  await expect(page.getByTestId('model-status')).toHaveAttribute('aria-live', 'polite');
  await page.getByTestId('file-input').setInputFiles(PHOTO);
  await expect(page.getByTestId('face-age')).toHaveCount(2);
  found.results = await violations(page);
  await page.getByTestId('view-webcam').click();
  await expect(page.getByTestId('webcam-label').first()).toBeVisible({ timeout: 120_000 });
  found.webcam = await violations(page);
  await page.getByTestId('view-model').click();
  await expect(page.locator('canvas').first()).toBeVisible();
  found.model = await violations(page);
  await expect(page.getByTestId('chart-table').first()).toContainText('The numbers'); // each chart's text alternative
  await page.getByTestId('view-dataset').click();
  await expect(page.getByTestId('view-dataset')).toHaveAttribute('aria-current', 'page');
  found.dataset = await violations(page);
  expect(found).toEqual({ home: [], results: [], webcam: [], model: [], dataset: [] });
});
