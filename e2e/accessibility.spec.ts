import AxeBuilder from '@axe-core/playwright';
import { expect, type Page, test } from '@playwright/test';
import { measureEveryView } from './everyView';
import { WITH_FAKE_WEBCAM } from './fakeWebcam';

// WCAG 2.2 AA as axe-core checks it, on every view: the first page, a result, the webcam, Model and Dataset.
test.use(WITH_FAKE_WEBCAM);
test.setTimeout(300_000);

async function violations(page: Page): Promise<string[]> {
  const { violations } = await new AxeBuilder({ page })
    .withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa'])
    .analyze();
  return violations.map((v) => `${v.id}: ${v.help} (${v.nodes.map((n) => n.target.join(' ')).join(', ')})`);
}

test('axe finds no WCAG 2.2 AA violation on any view', async ({ page }) => {
  const found = await measureEveryView(page, violations, async () => {
    // Keyboard users see where they are: the drop zone shows focus; progress and results are announced.
    await page.getByTestId('file-input').focus();
    expect(await page.getByTestId('drop-zone').evaluate((el) => getComputedStyle(el).outlineStyle)).toBe('solid');
    await expect(page.getByTestId('model-status')).toHaveAttribute('aria-live', 'polite');
  });
  await page.getByTestId('view-model').click();
  await expect(page.getByTestId('chart-table').first()).toContainText('The numbers'); // each chart's text alternative
  expect(found).toEqual({ home: [], results: [], webcam: [], model: [], dataset: [] });
});
