import { expect, test } from '@playwright/test';

// A weights file damaged on its way (one bit flipped) must stop the page with a clear message,
// never give wrong ages: the model card beside it records every file's sha256.
test('a corrupted weights file is refused with a clear message', async ({ page }) => {
  await page.route('**/models/agegender/weights.bin', async (route) => {
    const response = await route.fetch();
    const body = Buffer.from(await response.body());
    body[1000] ^= 1;
    await route.fulfill({ response, body });
  });
  await page.goto('/');
  await expect(page.getByTestId('model-status')).toContainText('does not match the sha256 in model-card.json', {
    timeout: 60_000,
  });
});
