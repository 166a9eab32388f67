import { expect, test } from '@playwright/test';
import { axeViolations } from './axeViolations';
import { measureEveryView, SCREENS } from './everyView';
import { WITH_FAKE_WEBCAM } from './fakeWebcam';

// WCAG 2.2 AA as axe-core checks it, on every view: the first page, a result, the webcam, Model and Dataset.
test.use(WITH_FAKE_WEBCAM);
test.setTimeout(300_000);

for (const viewport of SCREENS) {
  test.describe(`at ${viewport.width} px`, () => {
    test.use({ viewport });

    test('axe finds no WCAG 2.2 AA violation on any view', async ({ page }) => {
      const found = await measureEveryView(
        page,
        (p) => axeViolations(p),
        async () => {
          // Keyboard users see where they are: the drop zone shows focus; progress and results are announced.
          await page.getByTestId('file-input').focus();
          expect(await page.getByTestId('drop-zone').evaluate((el) => getComputedStyle(el).outlineStyle)).toBe('solid');
          await expect(page.getByTestId('model-status')).toHaveAttribute('aria-live', 'polite');
        },
      );
      await page.getByTestId('view-model').click();
      await expect(page.getByTestId('chart-table').first()).toContainText('The numbers'); // each chart's text alternative
      expect(found).toEqual({ home: [], results: [], webcam: [], model: [], dataset: [] });
    });
  });
}

test('the Model page, both models with every fold open, breaks no axe rule at 1280 and 390 px, and the keyboard reaches every table', async ({
  page,
}) => {
  await page.goto('/');
  await page.getByTestId('view-model').click();
  const found: Record<string, string[]> = {};
  for (const screen of SCREENS) {
    await page.setViewportSize(screen);
    for (const [model, name] of [
      ['accurate', 'About agegender'],
      ['fast', 'About agegender-fast'],
    ]) {
      await page.getByTestId(`card-${model}`).check();
      await expect(page.getByTestId('model-name')).toHaveText(name);
      await expect(page.getByTestId('summary-weaker')).toBeVisible();
      await page.locator('details').evaluateAll((all) => all.forEach((d) => ((d as HTMLDetailsElement).open = true)));
      found[`${model} ${screen.width}`] = await axeViolations(page, true);
      // A table wider than the screen scrolls in a labelled box that takes keyboard focus; none scrolls on its own.
      const card = page.getByTestId('model-card');
      await expect(card.locator('table:not([role="region"] > table)')).toHaveCount(0);
      for (const box of await card.locator('[role="region"]').all()) {
        await expect(box).toHaveAttribute('tabindex', '0');
        await expect(box).toHaveAttribute('aria-label', /\w/);
        await box.focus();
        await expect(box).toBeFocused();
      }
    }
  }
  expect(found).toEqual({ 'accurate 1280': [], 'fast 1280': [], 'accurate 390': [], 'fast 390': [] });
});
