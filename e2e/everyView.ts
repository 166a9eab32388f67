// Visit every view of the app in turn, as a user would, and measure each: the first page, a photo's results,
// the webcam (a fake camera; use WITH_FAKE_WEBCAM), the Model and Dataset pages.
import { join } from 'node:path';
import { expect, type Page } from '@playwright/test';

export const VIEWS = ['home', 'results', 'webcam', 'model', 'dataset'] as const;
/** The screen sizes views are checked at: a laptop's and a phone's. */
export const SCREENS = [
  { width: 1280, height: 800 },
  { width: 390, height: 844 },
] as const;
export type View = (typeof VIEWS)[number];

const PHOTO = join(import.meta.dirname, 'fixtures', 'photos', 'two-people.jpg');

/** `measure` on each view once it has drawn (told which); `onHome` runs on the first page before the photo is given. */
export async function measureEveryView<T>(
  page: Page,
  measure: (page: Page, view: View) => Promise<T>,
  onHome: (page: Page) => Promise<void> = async () => {},
): Promise<Record<View, T>> {
  await page.goto('/');
  await expect(page.getByTestId('model-status')).toContainText('Ready.');
  const found = { home: await measure(page, 'home') } as Record<View, T>;
  await onHome(page);
  await page.getByTestId('file-input').setInputFiles(PHOTO);
  await expect(page.getByTestId('face-age')).toHaveCount(2);
  found.results = await measure(page, 'results');
  await page.getByTestId('view-webcam').click();
  await expect(page.getByTestId('webcam-label').first()).toBeVisible({ timeout: 120_000 });
  found.webcam = await measure(page, 'webcam');
  await page.getByTestId('view-model').click();
  await expect(page.locator('canvas').first()).toBeVisible();
  found.model = await measure(page, 'model');
  await page.getByTestId('view-dataset').click();
  await expect(page.getByTestId('view-dataset')).toHaveAttribute('aria-current', 'page');
  found.dataset = await measure(page, 'dataset');
  return found;
}
