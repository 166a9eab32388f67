import { expect, test } from '@playwright/test';
import { CHROMIUM_ARGS, CHROMIUM_PATH } from './chromium';
import { watchErrors } from './pageErrors';

// A camera exists, but the permission prompt is answered "no".
test.use({
  launchOptions: {
    executablePath: CHROMIUM_PATH,
    args: [...CHROMIUM_ARGS, '--use-fake-device-for-media-stream', '--deny-permission-prompts'],
  },
});

test('webcam: a denied camera gets a clear message', async ({ page }) => {
  const errors = watchErrors(page);
  await page.goto('/');
  await page.getByTestId('view-webcam').click();
  await expect(page.getByTestId('webcam-error')).toHaveText(/Camera access was denied/);
  expect(errors).toEqual([]);
});
