import { expect, type Page, test } from '@playwright/test';

const AGAIN = 'copy or download the whole model folder again';

/** Serve `url` (a glob) with its body changed by `change`. */
async function tamper(page: Page, url: string, change: (body: Buffer) => Buffer): Promise<void> {
  await page.route(url, async (route) => {
    const response = await route.fetch();
    await route.fulfill({ response, body: change(Buffer.from(await response.body())) });
  });
}

/** The page stops with `message` in its status line, and throws nothing of its own. */
async function refused(page: Page, message: string): Promise<void> {
  const thrown: string[] = [];
  page.on('pageerror', (e) => thrown.push(e.message)); // a 404 logged by the browser is expected, an exception is not
  await page.goto('/');
  const status = page.getByTestId('model-status');
  await expect(status).toContainText('The model could not be loaded:', { timeout: 60_000 });
  await expect(status).toContainText(message);
  await expect(status).toContainText(AGAIN);
  expect(thrown).toEqual([]);
}

// A model file damaged on its way (one bit flipped) must stop the page with a clear message, never give
// wrong ages: the model card beside it records every file's sha256. So must a card that vouches for nothing.
test('a corrupted weights file is refused with a clear message', async ({ page }) => {
  await tamper(page, '**/models/agegender/weights.bin', (body) => {
    body[1000] ^= 1;
    return body;
  });
  await refused(page, 'models/agegender/weights.bin does not match the sha256 in model-card.json');
});

test("a corrupted detector file is refused too: BlazeFace's card checks it", async ({ page }) => {
  await tamper(page, '**/models/blazeface/blazeface-front.bin', (body) => {
    body[1000] ^= 1;
    return body;
  });
  await refused(page, 'models/blazeface/blazeface-front.bin does not match the sha256 in model-card.json');
});

test('a model without its card is refused, and the Model page says the card could not be loaded', async ({ page }) => {
  await page.route('**/models/agegender/model-card.json', (route) => route.fulfill({ status: 404, body: '' }));
  await refused(page, "models/agegender/model-card.json is missing: the model's files cannot be checked");
  await page.getByTestId('view-model').click();
  await expect(page.getByText('The model card could not be loaded.')).toBeVisible();
});

test('a card without the sum of a file the model reads is refused', async ({ page }) => {
  await tamper(page, '**/models/agegender/model-card.json', (body) => {
    const card = JSON.parse(body.toString()) as { size: { sha256: Record<string, string> } };
    delete card.size.sha256['weights.bin'];
    return Buffer.from(JSON.stringify(card));
  });
  await refused(page, 'models/agegender/model-card.json has no sha256 for weights.bin');
});
