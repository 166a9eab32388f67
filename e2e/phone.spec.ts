import { expect, type Page, test } from '@playwright/test';
import { measureEveryView, type View } from './everyView';
import { WITH_FAKE_WEBCAM } from './fakeWebcam';
import { screenshotPath } from './screenshots';

// A phone's width: nothing may make the page scroll sideways (wide tables scroll in their own box).
test.use({ ...WITH_FAKE_WEBCAM, viewport: { width: 390, height: 844 }, hasTouch: true, isMobile: true });
test.setTimeout(300_000);

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
  // the README's phone screenshots: each view as a phone shows it first
  const measure = async (p: Page, view: View): Promise<number> => {
    await p.screenshot({ path: screenshotPath(`phone-${view}.png`) });
    return overflow(p);
  };
  const found = await measureEveryView(page, measure, async () => {
    await expect(page.getByTestId('drop-zone')).toContainText('Tap to choose photos');
  });
  expect(found).toEqual({ home: 0, results: 0, webcam: 0, model: 0, dataset: 0 });
});

test('webcam labels read at phone size: at least 12 screen pixels, with a legend', async ({ page }) => {
  await page.goto('/');
  await expect(page.getByTestId('model-status')).toContainText('Ready.');
  await page.getByTestId('view-webcam').click();
  await expect(page.getByTestId('webcam-label').first()).toBeVisible({ timeout: 180_000 });
  const sizes = await page.getByTestId('webcam-label').evaluateAll((labels) =>
    labels.map((t) => {
      // the font size as drawn: the SVG's own units times its scale on screen
      const svg = t.closest('svg')!;
      const scale = svg.getBoundingClientRect().width / svg.viewBox.baseVal.width;
      return Number(t.getAttribute('font-size')) * scale;
    }),
  );
  expect(sizes.length).toBeGreaterThan(0);
  for (const size of sizes) expect(size).toBeGreaterThanOrEqual(12 - 0.01);
  await expect(page.getByTestId('webcam-legend')).toContainText('F female, M male, F/M? not sure');
});
