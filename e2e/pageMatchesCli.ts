// The page and the CLI (WASM in Node, sharp) run the same src/lib: on the fixture photos they must find the
// same faces and read the same ages. Used on each browser backend.
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { expect, type Page } from '@playwright/test';
import { CSV_COLUMNS } from '../src/lib/predictionRow';
import { watchErrors } from './pageErrors';

const PHOTOS = join(import.meta.dirname, 'fixtures', 'photos');

interface Face {
  photo: string;
  left: number;
  top: number;
  width: number;
  height: number;
  age: number;
  female_probability: number;
}

function faces(rows: Record<string, string | number | null>[]): Face[] {
  return rows
    .filter((r) => r.face !== null && r.face !== '')
    .map((r) => ({
      photo: basename(String(r.path)),
      left: Number(r.left),
      top: Number(r.top),
      width: Number(r.width),
      height: Number(r.height),
      age: Number(r.age),
      female_probability: Number(r.female_probability),
    }))
    .sort((a, b) => a.photo.localeCompare(b.photo) || a.left - b.left);
}

function iou(a: Face, b: Face): number {
  const w = Math.min(a.left + a.width, b.left + b.width) - Math.max(a.left, b.left);
  const h = Math.min(a.top + a.height, b.top + b.height) - Math.max(a.top, b.top);
  const inter = Math.max(0, w) * Math.max(0, h);
  return inter / (a.width * a.height + b.width * b.height - inter);
}

/** The page, on `backend`, and the CLI (WASM in Node, sharp) run the same src/lib: same faces, same ages. Default: every fixture photo. */
export async function expectPageToMatchCli(page: Page, backend: string, names = readdirSync(PHOTOS)): Promise<void> {
  const errors = watchErrors(page);
  const photos = names.map((name) => join(PHOTOS, name));
  const cli = spawnSync('npx', ['--no-install', 'tsx', 'src/cli/predict.ts', '--format', 'json', ...photos], {
    encoding: 'utf8',
  });
  expect(cli.status, cli.stderr).toBe(0);
  const fromCli = faces(JSON.parse(cli.stdout) as Record<string, string | number | null>[]);
  expect(fromCli.length, 'faces the CLI finds').toBeGreaterThan(0);

  await page.goto(`/?backend=${backend}`);
  await expect(page.getByTestId('model-status')).toContainText(`tfjs ${backend} backend`);
  await page.getByTestId('file-input').setInputFiles(photos);
  await expect(page.getByTestId('photo-result')).toHaveCount(photos.length);
  await expect(page.getByTestId('face-card')).toHaveCount(fromCli.length);
  const download = page.waitForEvent('download');
  await page.getByTestId('export-csv').click();
  const [header, ...lines] = readFileSync(await (await download).path(), 'utf8')
    .trim()
    .split('\n');
  expect(header).toBe(CSV_COLUMNS.join(','));
  const fromPage = faces(
    lines.map((line) => Object.fromEntries(line.split(',').map((v, i) => [CSV_COLUMNS[i], v === '' ? null : v]))),
  );

  expect(fromPage.map((f) => f.photo)).toEqual(fromCli.map((f) => f.photo));
  fromPage.forEach((f, i) => {
    const c = fromCli[i];
    expect(iou(f, c), `${f.photo}: box ${JSON.stringify(f)} against the CLI's ${JSON.stringify(c)}`).toBeGreaterThan(
      0.9,
    );
    expect(Math.abs(f.age - c.age), `${f.photo}: age ${f.age} against the CLI's ${c.age}`).toBeLessThanOrEqual(0.5);
    expect(Math.abs(f.female_probability - c.female_probability), f.photo).toBeLessThanOrEqual(0.05);
  });
  expect(errors).toEqual([]);
}
