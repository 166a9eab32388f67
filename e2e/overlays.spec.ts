import { expect, type Page, test } from '@playwright/test';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';
import { SCREENS } from './everyView';

// Face boxes and numbers are drawn in screen pixels, whatever the photo's size: thin boxes the face shows
// through, numbers on chips inside the photo. Checked where they used to fail: a 9000 x 9000 photo, and
// a photo of many small faces (bald_guys.jpg, in ../shared) at a phone's width.
const FIXTURES = join(import.meta.dirname, 'fixtures');
const BALD_GUYS = join(import.meta.dirname, '..', '..', 'shared', 'data', 'faces-in-photos', 'bald_guys.jpg');
test.setTimeout(300_000);

interface Drawn {
  frame: DOMRect;
  boxes: { rect: DOMRect; border: number; outline: number; fill: string }[];
  chips: { rect: DOMRect; text: string }[];
}

async function overlayOf(page: Page): Promise<Drawn> {
  return page.getByTestId('photo-frame').evaluate((frame) => ({
    frame: frame.getBoundingClientRect().toJSON() as DOMRect,
    boxes: [...frame.querySelectorAll<HTMLElement>('[data-testid="face-box"]')].map((b) => {
      const style = getComputedStyle(b);
      return {
        rect: b.getBoundingClientRect().toJSON() as DOMRect,
        border: Math.max(
          ...['Top', 'Right', 'Bottom', 'Left'].map((s) => parseFloat(style[`border${s}Width` as 'borderTopWidth'])),
        ),
        outline: parseFloat(style.outlineWidth) || 0,
        fill: style.backgroundColor,
      };
    }),
    chips: [...frame.querySelectorAll<HTMLElement>('[data-testid="face-number"]')].map((c) => ({
      rect: c.getBoundingClientRect().toJSON() as DOMRect,
      text: c.textContent!.trim(),
    })),
  }));
}

const inside = (r: DOMRect, [x, y]: [number, number]): boolean =>
  x >= r.left && x <= r.right && y >= r.top && y <= r.bottom;

function expectReadable({ frame, boxes, chips }: Drawn, faces: number): void {
  expect(boxes).toHaveLength(faces);
  expect(chips.map((c) => c.text)).toEqual(boxes.map((_, i) => String(i + 1)));
  for (const box of boxes) {
    expect(box.border + box.outline, 'box stroke in screen pixels').toBeLessThanOrEqual(3);
    expect(box.fill, 'the face shows through its box').toBe('rgba(0, 0, 0, 0)');
    const centre: [number, number] = [box.rect.left + box.rect.width / 2, box.rect.top + box.rect.height / 2];
    for (const chip of chips) expect(inside(chip.rect, centre), `chip ${chip.text} hides a face's centre`).toBe(false);
  }
  for (const chip of chips) {
    expect(chip.rect.left).toBeGreaterThanOrEqual(frame.left - 0.5);
    expect(chip.rect.top, `chip ${chip.text} inside the photo`).toBeGreaterThanOrEqual(frame.top - 0.5);
    expect(chip.rect.right).toBeLessThanOrEqual(frame.right + 0.5);
    expect(chip.rect.bottom).toBeLessThanOrEqual(frame.bottom + 0.5);
    expect(chip.rect.height, 'a number readable on a phone').toBeGreaterThanOrEqual(16);
  }
}

async function analyse(page: Page, file: { name: string; mimeType: string; buffer: Buffer } | string): Promise<number> {
  await page.goto('/?backend=wasm');
  await expect(page.getByTestId('model-status')).toContainText('Ready.');
  await page.getByTestId('file-input').setInputFiles(file);
  const result = page.getByTestId('photo-result');
  await expect(result.getByTestId('face-card').first()).toBeVisible({ timeout: 180_000 });
  return result.getByTestId('face-card').count();
}

for (const viewport of SCREENS) {
  test.describe(`at ${viewport.width} px`, () => {
    test.use({ viewport });

    test('a 9000 x 9000 photo: thin boxes, numbers inside it', async ({ page }) => {
      const buffer = await sharp(join(FIXTURES, 'photos', 'group-of-three.jpg'))
        .resize(9000, 9000, { fit: 'fill' })
        .jpeg({ quality: 80 })
        .toBuffer();
      const faces = await analyse(page, { name: 'huge.jpg', mimeType: 'image/jpeg', buffer });
      expect(faces).toBeGreaterThan(0);
      expectReadable(await overlayOf(page), faces);
    });

    test('bald_guys.jpg: many small faces, each visible through its box', async ({ page }) => {
      test.skip(!existsSync(BALD_GUYS), `needs ${BALD_GUYS} (../shared/data, absent here)`);
      const faces = await analyse(page, BALD_GUYS);
      expect(faces).toBeGreaterThan(3);
      expectReadable(await overlayOf(page), faces);
    });
  });
}
