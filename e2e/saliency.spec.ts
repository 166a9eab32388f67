import { join } from 'node:path';
import { expect, test } from '@playwright/test';
import { watchErrors } from './pageErrors';
import { screenshotPath } from './screenshots';

const PHOTO = join(import.meta.dirname, 'fixtures', 'photos', 'portrait.jpg');

// The page runs on WASM here (faster than SwiftShader's software WebGL), which has no gradient of a depthwise
// convolution, so the maps are made on WebGL: the 42 backward passes take minutes.
test.setTimeout(540_000);

test('saliency for a face: age and gender overlays for all three methods, none of them blank', async ({ page }) => {
  const errors = watchErrors(page);
  await page.goto('/');
  await expect(page.getByTestId('model-status')).toContainText('tfjs wasm backend');
  await page.getByTestId('file-input').setInputFiles(PHOTO);
  await page.getByTestId('explain-face').first().click();
  const panel = page.getByTestId('saliency-panel');
  for (const target of ['age', 'gender']) {
    for (const method of ['gradient', 'integratedGradients', 'smoothGrad']) {
      const overlay = panel.getByTestId(`saliency-${target}-${method}`);
      await expect(overlay).toBeVisible({ timeout: 300_000 });
      // Non-blank: the overlay's pixels are not all the same.
      const distinct = await overlay.evaluate(async (img: HTMLImageElement) => {
        await img.decode();
        const canvas = document.createElement('canvas');
        canvas.width = img.naturalWidth;
        canvas.height = img.naturalHeight;
        const ctx = canvas.getContext('2d')!;
        ctx.drawImage(img, 0, 0);
        const { data } = ctx.getImageData(0, 0, canvas.width, canvas.height);
        return new Set(Array.from({ length: data.length / 4 }, (_, i) => data[i * 4 + 3])).size;
      });
      expect(distinct, `${target} ${method} alpha levels`).toBeGreaterThan(10);
    }
  }
  await panel.getByTestId('saliency-opacity').fill('0.3');
  await expect(panel.getByTestId('saliency-age-gradient')).toHaveCSS('opacity', '0.3');
  await page.screenshot({ path: screenshotPath('saliency.png'), fullPage: true });
  expect(errors).toEqual([]);
});
