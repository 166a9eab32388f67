import { join } from 'node:path';
import { expect, type Locator, type Page, test } from '@playwright/test';
import { axeViolations } from './axeViolations';
import { SCREENS } from './everyView';
import { watchErrors } from './pageErrors';
import { screenshotPath } from './screenshots';

const PHOTO = join(import.meta.dirname, 'fixtures', 'photos', 'portrait.jpg');

// On WASM, as the page picks here (faster than SwiftShader's software WebGL); the maps are made there too.
test.setTimeout(300_000);

/** An overlay's share of pixels the map shows (not transparent), and how many opacity levels it has. */
function coverage(overlay: Locator): Promise<{ shown: number; levels: number }> {
  return overlay.evaluate(async (img: HTMLImageElement) => {
    await img.decode();
    const canvas = document.createElement('canvas');
    canvas.width = img.naturalWidth;
    canvas.height = img.naturalHeight;
    const context = canvas.getContext('2d')!;
    context.drawImage(img, 0, 0);
    const { data } = context.getImageData(0, 0, canvas.width, canvas.height);
    const alphas = Array.from({ length: data.length / 4 }, (_, i) => data[i * 4 + 3]);
    return { shown: alphas.filter((a) => a > 0).length / alphas.length, levels: new Set(alphas).size };
  });
}

const tensors = async (page: Page): Promise<number> =>
  Number((await page.getByTestId('tensor-count').textContent())?.match(/\d+/)?.[0]);

test('saliency opens right after its face card, SmoothGrad comes at once, a slow map on request', async ({ page }) => {
  const errors = watchErrors(page);
  await page.goto('/');
  await expect(page.getByTestId('model-status')).toContainText('tfjs wasm backend');
  await page.getByTestId('file-input').setInputFiles(PHOTO);
  const card = page.getByTestId('face-card').first();
  await expect(card).toBeVisible();
  const tensorsBefore = await tensors(page);

  // The card's button opens the view right after the card, and the page stays where it was.
  const button = card.getByTestId('explain-face');
  await expect(button).toHaveAttribute('aria-expanded', 'false');
  await button.scrollIntoViewIfNeeded();
  const cardTop = (await card.boundingBox())!.y;
  await button.click();
  const panel = page.getByTestId('saliency-panel');
  await expect(panel).toBeVisible();
  await expect(button).toHaveAttribute('aria-expanded', 'true');
  await expect(button).toHaveAttribute('aria-controls', (await panel.getAttribute('id'))!);
  expect(await card.evaluate((el) => el.nextElementSibling?.getAttribute('data-testid'))).toBe('saliency-panel');
  expect((await card.boundingBox())!.y).toBe(cardTop);
  await expect(button).toBeFocused();

  // SmoothGrad for age and gender at once, each with its own progress; a map marks part of the face, not all of it.
  for (const target of ['age', 'gender']) {
    const overlay = panel.getByTestId(`saliency-${target}-smoothGrad`);
    await expect(overlay).toBeVisible({ timeout: 120_000 });
    const { shown, levels } = await coverage(overlay);
    expect(levels, `${target} opacity levels`).toBeGreaterThan(10);
    expect(shown, `${target}: share of the face the map shows`).toBeGreaterThan(0.05);
    expect(shown, `${target}: share of the face the map shows`).toBeLessThan(0.9);
  }
  // The others wait to be asked for.
  for (const key of ['age-gradient', 'age-integratedGradients', 'gender-gradient', 'gender-integratedGradients'])
    await expect(panel.getByTestId(`compute-${key}`)).toBeVisible();
  await expect(panel.getByTestId('saliency-age-integratedGradients')).toHaveCount(0);

  // Asked for (by keyboard), integrated gradients shows its progress, then its map.
  await panel.getByTestId('compute-age-integratedGradients').focus();
  await page.keyboard.press('Enter');
  const state = panel.getByTestId('saliency-state-age-integratedGradients');
  await expect(state).toBeFocused();
  const slow = panel.getByTestId('saliency-age-integratedGradients');
  await expect(state.locator('progress').or(slow)).toBeVisible(); // its progress, unless a fast machine is done already
  await expect(slow).toBeVisible({ timeout: 120_000 });
  expect((await coverage(slow)).levels).toBeGreaterThan(10);
  await expect(panel.getByTestId('compute-gender-integratedGradients')).toBeVisible(); // the others still wait
  await expect.poll(() => tensors(page), 'tfjs tensors after the maps').toBe(tensorsBefore);

  await panel.getByTestId('saliency-opacity').fill('0.3');
  await expect(panel.getByTestId('saliency-age-smoothGrad')).toHaveCSS('opacity', '0.3');
  await panel.getByTestId('saliency-opacity').fill('0.8');
  await panel.getByTestId('saliency-outline').check();
  await page.screenshot({ path: screenshotPath('saliency.png'), fullPage: true });

  // Accessible, and it fits a phone.
  expect(await axeViolations(page)).toEqual([]);
  await page.setViewportSize(SCREENS[1]);
  const widest = await panel.evaluate((el) =>
    Math.max(...[el, ...el.querySelectorAll('*')].map((e) => e.getBoundingClientRect().right)),
  );
  expect(widest).toBeLessThanOrEqual(390);
  expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);

  // Closed from inside, the keyboard is back on the card's button; the button opens and closes it too.
  await panel.getByTestId('saliency-close').click();
  await expect(panel).toHaveCount(0);
  await expect(button).toBeFocused();
  await expect(button).toHaveAttribute('aria-expanded', 'false');
  await button.click();
  await expect(panel).toBeVisible();
  await button.click();
  await expect(panel).toHaveCount(0);
  expect(errors).toEqual([]);
});
