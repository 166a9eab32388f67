// One input contract: a face read from a large crop is shrunk with antialiasing (src/lib/preprocess.ts),
// so a 1,000 px crop and the 200 px chip of the same face give the same estimate within 0.5 years.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'csv-parse/sync';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';

const FACES = 'e2e/fixtures/faces';

describe('--crop on a 1,000 px crop and on the 200 px chip', () => {
  it('gives ages within 0.5 years and the same gender probability within 0.02', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'agegender-crop-'));
    // A 1,000 px crop with fine detail (grain of +-20 levels per pixel, as skin and hair have at that size), and the
    // 200 px chip a camera or an image editor would make of it.
    const faces = readdirSync(FACES).map((name) => join(FACES, name));
    const large = await Promise.all(
      faces.map(async (face, i) => {
        const { data, info } = await sharp(face)
          .resize(1000, 1000, { kernel: 'lanczos3' })
          .raw()
          .toBuffer({ resolveWithObject: true });
        let seed = i + 1;
        const grain = (): number => {
          seed = (seed * 1103515245 + 12345) % 2 ** 31;
          return (seed / 2 ** 31 - 0.5) * 40;
        };
        const noisy = Buffer.from(data.map((v) => Math.max(0, Math.min(255, Math.round(v + grain())))));
        const path = join(dir, `large-${i}.png`);
        await sharp(noisy, { raw: info }).png().toFile(path);
        return path;
      }),
    );
    const chips = await Promise.all(
      large.map(async (path, i) => {
        const chip = join(dir, `chip-${i}.png`);
        await sharp(path).resize(200, 200).png().toFile(chip);
        return chip;
      }),
    );
    const rows = parse(
      execFileSync('npx', ['--no-install', 'tsx', 'src/cli/predict.ts', '--crop', ...chips, ...large], {
        encoding: 'utf8',
      }),
      { columns: true },
    ) as { age: string; female_probability: string }[];
    expect(rows).toHaveLength(2 * chips.length);
    chips.forEach((chip, i) => {
      const [small, big] = [rows[i], rows[chips.length + i]];
      expect(Math.abs(Number(big.age) - Number(small.age)), chip).toBeLessThanOrEqual(0.5);
      expect(Math.abs(Number(big.female_probability) - Number(small.female_probability)), chip).toBeLessThanOrEqual(
        0.02,
      );
    });
  }, 300_000);
});
