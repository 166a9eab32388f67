import { expect, test } from '@playwright/test';
import { expectSteadyWebcamAges, WITH_FAKE_WEBCAM } from './fakeWebcam';
import { watchErrors } from './pageErrors';
import { screenshotPath } from './screenshots';

// A fake camera that films the group photo (e2e/globalSetup.ts writes the video).
test.use(WITH_FAKE_WEBCAM);
test.setTimeout(300_000);

test('webcam: boxes and labels over the video, frames per second, and the camera stops when the view is left', async ({
  page,
}) => {
  const errors = watchErrors(page);
  await page.goto('/');
  await expect(page.getByTestId('model-status')).toContainText('Ready.');
  await page.getByTestId('view-webcam').click();
  await expect(page.getByTestId('webcam-face')).toHaveCount(3, { timeout: 180_000 });
  await expect(page.getByTestId('webcam-label').first()).toHaveText(/^\d+ \(\d+–\d+\) · [FM] (>99|\d+)%$/);
  await expect(page.getByTestId('webcam-fps')).toHaveText(/^\d+\.\d frames per second$/);
  // "auto" times the accurate model here and says so: over 15 ms a face (SwiftShader's WebGL is far slower) means the fast one.
  const status = page.getByTestId('webcam-model').locator('..');
  await expect(status).toContainText(/auto: the accurate model takes \d+ ms a face here/);
  const ms = Number((await status.textContent())!.match(/takes (\d+) ms/)![1]);
  await expect(page.getByTestId('webcam-model')).toHaveText(ms > 15 ? 'fast model' : 'accurate model');
  await expectSteadyWebcamAges(page, 100);
  // Labels inside the video's frame, none over another.
  const { frame, labels } = await page.evaluate(() => ({
    frame: document.querySelector('[data-testid="webcam-view"] svg')!.getBoundingClientRect().toJSON() as DOMRect,
    labels: [...document.querySelectorAll('[data-testid="webcam-label"]')].map(
      (t) => t.getBoundingClientRect().toJSON() as DOMRect,
    ),
  }));
  for (const [i, a] of labels.entries()) {
    expect(
      a.left >= frame.left - 1 && a.right <= frame.right + 1 && a.top >= frame.top - 1 && a.bottom <= frame.bottom + 1,
      `label ${i} inside`,
    ).toBe(true);
    for (const b of labels.slice(i + 1))
      expect(a.right <= b.left || b.right <= a.left || a.bottom <= b.top || b.bottom <= a.top).toBe(true);
  }
  // Stop and start again.
  await page.getByTestId('webcam-stop').click();
  await expect(page.getByTestId('webcam-face')).toHaveCount(0);
  await page.getByTestId('webcam-start').click();
  await expect(page.getByTestId('webcam-face')).toHaveCount(3, { timeout: 120_000 });
  await page.screenshot({ path: screenshotPath('webcam.png'), fullPage: true });
  await page.getByTestId('webcam-model-choice').selectOption('fast');
  await expect(page.getByTestId('webcam-model')).toHaveText('fast model', { timeout: 60_000 });
  await expect(page.getByTestId('webcam-face')).toHaveCount(3, { timeout: 120_000 });
  await page.getByTestId('webcam-model-choice').selectOption('accurate');
  await expect(page.getByTestId('webcam-model')).toHaveText('accurate model', { timeout: 60_000 });
  await expect(page.getByTestId('webcam-face')).toHaveCount(3, { timeout: 120_000 });
  await page.evaluate(() => {
    const video = document.querySelector('video') as HTMLVideoElement;
    (window as unknown as { cameraTracks: MediaStreamTrack[] }).cameraTracks = (
      video.srcObject as MediaStream
    ).getTracks();
  });
  await page.getByTestId('view-photos').click();
  await expect
    .poll(() =>
      page.evaluate(() =>
        (window as unknown as { cameraTracks: MediaStreamTrack[] }).cameraTracks.every((t) => t.readyState === 'ended'),
      ),
    )
    .toBe(true);
  expect(errors).toEqual([]);
});

test('webcam: a camera that goes away stops the view with a message, and it can be started again', async ({ page }) => {
  const errors = watchErrors(page);
  await page.goto('/');
  await expect(page.getByTestId('model-status')).toContainText('Ready.');
  await page.getByTestId('view-webcam').click();
  await expect(page.getByTestId('webcam-fps')).toBeVisible({ timeout: 180_000 });
  // What the browser does when a camera is unplugged: the track ends and fires "ended".
  await page.evaluate(() => {
    const track = ((document.querySelector('video') as HTMLVideoElement).srcObject as MediaStream).getVideoTracks()[0];
    (window as unknown as { cameraTrack: MediaStreamTrack }).cameraTrack = track;
    track.dispatchEvent(new Event('ended'));
  });
  await expect(page.getByTestId('webcam-error')).toHaveText(/^The camera stopped \(unplugged/);
  await expect(page.getByTestId('webcam-face')).toHaveCount(0);
  expect(
    await page.evaluate(() => (window as unknown as { cameraTrack: MediaStreamTrack }).cameraTrack.readyState),
  ).toBe('ended');
  await page.getByTestId('webcam-restart').click();
  await expect(page.getByTestId('webcam-fps')).toBeVisible({ timeout: 180_000 });
  expect(errors).toEqual([]);
});
