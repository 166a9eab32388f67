import { join } from 'node:path';
import { expect, type Page, test } from '@playwright/test';
import { WITH_FAKE_WEBCAM } from './fakeWebcam';

// A phone's width: nothing may make the page scroll sideways (wide tables scroll in their own box).
test.use({ ...WITH_FAKE_WEBCAM, viewport: { width: 390, height: 844 }, hasTouch: true, isMobile: true });
test.setTimeout(300_000);

const PHOTO = join(import.meta.dirname, 'fixtures', 'photos', 'two-people.jpg');

/** How far past the screen's right edge the page reaches: its scroll width, or the widest element that shows. */
async function overflow(page: Page): Promise<number> {
  return page.evaluate(() => {
    let right = document.documentElement.scrollWidth;
    for (const el of document.querySelectorAll('body *')) {
      const box = el.getBoundingClientRect();
      if (box.width && el.closest('details:not([open]) > :not(summary)') === null && !hiddenByScrollBox(el))
        right = Math.max(right, box.right);
    }
    return Math.max(0, Math.ceil(right - document.documentElement.clientWidth));

    function hiddenByScrollBox(el: Element): boolean {
      for (let p = el.parentElement; p; p = p.parentElement)
        if (['auto', 'scroll', 'hidden'].includes(getComputedStyle(p).overflowX)) return true;
      return false;
    }
  });
}

test('every view fits a 390 px phone screen, and the drop zone says tap', async ({ page }) => {
  await page.goto('/');
  await expect(page.getByTestId('model-status')).toContainText('Ready.');
  await expect(page.getByTestId('drop-zone')).toContainText('Tap to choose photos');
  const found: Record<string, number> = { home: await overflow(page) };
  await page.getByTestId('file-input').setInputFiles(PHOTO);
  await expect(page.getByTestId('face-age')).toHaveCount(2);
  found.results = await overflow(page);
  await page.getByTestId('view-webcam').click();
  await expect(page.getByTestId('webcam-label').first()).toBeVisible({ timeout: 120_000 });
  found.webcam = await overflow(page);
  await page.getByTestId('view-model').click();
  await expect(page.locator('canvas').first()).toBeVisible();
  found.model = await overflow(page);
  await page.getByTestId('view-dataset').click();
  await expect(page.getByTestId('folder-input')).toBeAttached();
  found.dataset = await overflow(page);
  expect(found).toEqual({ home: 0, results: 0, webcam: 0, model: 0, dataset: 0 });
});
