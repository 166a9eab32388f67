import { expect, type Page, test } from '@playwright/test';
import { measureEveryView } from './everyView';
import { WITH_FAKE_WEBCAM } from './fakeWebcam';

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
  const found = await measureEveryView(page, overflow, async () => {
    await expect(page.getByTestId('drop-zone')).toContainText('Tap to choose photos');
  });
  expect(found).toEqual({ home: 0, results: 0, webcam: 0, model: 0, dataset: 0 });
});
