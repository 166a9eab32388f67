import { test } from '@playwright/test';
import { expectPageToMatchCli } from './pageMatchesCli';

// Chromium here has no WebGPU adapter unless told to use SwiftShader's (webgpu.spec.ts): WebGL (in SwiftShader) is the first that starts.
test('the browser (WebGL) finds the same faces as the CLI, with ages within 0.5 years', async ({ page }) => {
  await expectPageToMatchCli(page, 'webgl');
});
