import { expect, test } from '@playwright/test';
import { watchErrors } from './pageErrors';

// Chromium here draws WebGL with SwiftShader, a CPU pretending to be a GPU, as on VMs and remote desktops:
// the page must see that and run on WASM, and say why.
test('software WebGL is never chosen over WASM, and the page says why', async ({ page }) => {
  const errors = watchErrors(page);
  await page.goto('/');
  const status = page.getByTestId('model-status');
  await expect(status).toContainText('Ready. Photos stay on this device.');
  await expect(status).toContainText('tfjs wasm backend');
  await expect(status).toContainText(/fastest of those timed on one face \(wasm \d+ ms\)/);
  await expect(status).toContainText(/webgl renders in software \(SwiftShader\)/i);
  expect(errors).toEqual([]);
});
