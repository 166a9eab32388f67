import { test } from '@playwright/test';
import { CHROMIUM_ARGS, CHROMIUM_PATH } from './chromium';
import { expectPageToMatchCli } from './pageMatchesCli';

// SwiftShader's WebGPU adapter: the page picks WebGPU only after the model's estimate of its check image matches the CPU's.
test.use({
  launchOptions: {
    executablePath: CHROMIUM_PATH,
    args: [...CHROMIUM_ARGS, '--enable-unsafe-webgpu', '--enable-features=Vulkan', '--use-webgpu-adapter=swiftshader'],
  },
});

test.setTimeout(600_000);

// One photo (three faces): SwiftShader's WebGPU is a software GPU several times slower than its WebGL.
test('the browser on WebGPU finds the same faces as the CLI, with ages within 0.5 years', async ({ page }) => {
  await expectPageToMatchCli(page, 'webgpu', ['group-of-three-exif-rotated.jpg']);
});
