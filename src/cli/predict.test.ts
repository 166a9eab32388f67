// The CLI contract, run on the bundled model exactly as a user runs it.
import { spawn, spawnSync } from 'node:child_process';
import {
  appendFileSync,
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { deflateSync } from 'node:zlib';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parse } from 'csv-parse/sync';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { parseUtkFaceName } from '../lib/utkface';
import { CSV_COLUMNS } from '../lib/predictionRow';
import { drawnPath } from './drawFaces';

const FACES = 'e2e/fixtures/faces';
const PHOTOS = 'e2e/fixtures/photos';
const NOT_AN_IMAGE = 'e2e/fixtures/not-an-image.jpg';

function predict(...args: string[]): { status: number | null; stdout: string; stderr: string } {
  return spawnSync('npx', ['--no-install', 'tsx', 'src/cli/predict.ts', ...args], {
    encoding: 'utf8',
    timeout: 120_000,
  });
}

/** The CLI run from the folder `cwd`, so that the paths it writes are as given there. */
function predictIn(cwd: string, ...args: string[]): { status: number | null; stdout: string; stderr: string } {
  return spawnSync(resolve('node_modules/.bin/tsx'), [resolve('src/cli/predict.ts'), ...args], {
    cwd,
    encoding: 'utf8',
    timeout: 120_000,
  });
}

describe('drawnPath', () => {
  it("keeps the photo's folders, so same-named photos in two folders get two copies", () => {
    expect(drawnPath('2019/IMG_0001.jpg', 'out')).toBe(join('out', '2019', 'IMG_0001.faces.jpg'));
    expect(drawnPath('2020/IMG_0001.jpg', 'out')).toBe(join('out', '2020', 'IMG_0001.faces.jpg'));
    expect(drawnPath('/elsewhere/a/b.png', 'out')).toBe(join('out', 'elsewhere', 'a', 'b.faces.jpg'));
    expect(drawnPath('..hidden/c.jpg', 'out')).toBe(join('out', '..hidden', 'c.faces.jpg')); // a folder of this one
  });
});

describe('npm run predict', () => {
  it('writes one CSV row per face and one error row per unreadable file, and exits 1', () => {
    const out = join(mkdtempSync(join(tmpdir(), 'agegender-')), 'out.csv');
    const result = predict('--crop', '--output', out, FACES, NOT_AN_IMAGE);
    expect(result.status).toBe(1);
    const text = readFileSync(out, 'utf8');
    expect(text.split('\n')[0]).toBe(CSV_COLUMNS.join(','));
    const rows = parse(text, { columns: true }) as Record<string, string>[];
    const faces = readdirSync(FACES)
      .sort()
      .map((f) => join(FACES, f));
    expect(rows.map((r) => r.path)).toEqual([...faces, NOT_AN_IMAGE]);
    for (const r of rows.slice(0, -1)) {
      expect(r.error).toBe('');
      expect([r.face, r.left, r.top, r.width, r.height]).toEqual(['1', '0', '0', '200', '200']);
      expect(Number(r.age_low)).toBeLessThanOrEqual(Number(r.age_high));
      expect(['male', 'female', 'uncertain']).toContain(r.gender);
    }
    expect(rows.at(-1)!.error).toContain('not an image');
    expect(result.stderr).toContain(`error: ${NOT_AN_IMAGE}`);
    // The bundled model is a real one: on these eight unseen faces (ages 1 to 100) it is roughly right.
    const errors = rows
      .slice(0, -1)
      .map((r) => Math.abs(Number(r.age) - (parseUtkFaceName(r.path) as { age: number }).age));
    expect(errors.reduce((a, b) => a + b, 0) / errors.length).toBeLessThan(12);
  });

  it('follows symbolic links to photos and folders, and walks a folder that links to itself once', () => {
    const dir = mkdtempSync(join(tmpdir(), 'agegender-links-'));
    const faces = readdirSync(FACES).slice(0, 3);
    for (const f of faces) symlinkSync(resolve(FACES, f), join(dir, f));
    mkdirSync(join(dir, 'more'));
    symlinkSync(resolve(FACES), join(dir, 'more', 'all-faces')); // a link to a folder
    symlinkSync(dir, join(dir, 'more', 'loop')); // and one back up: walked once, not forever
    symlinkSync(join(dir, 'gone.jpg'), join(dir, 'broken.jpg')); // a broken link is skipped
    const result = predict('--crop', '--format', 'json', dir);
    expect(result.status, result.stderr).toBe(0);
    const paths = (JSON.parse(result.stdout) as { path: string }[]).map((r) => r.path);
    expect(paths).toHaveLength(faces.length + readdirSync(FACES).length);
    expect(paths.filter((p) => p.startsWith(join(dir, 'more', 'all-faces')))).toHaveLength(readdirSync(FACES).length);
  });

  it('writes JSON (and CSV) to standard output and exits 0 when every file is read', () => {
    const result = predict('--crop', '--format', 'json', join(FACES, readdirSync(FACES)[0]));
    expect(result.status).toBe(0);
    const rows = JSON.parse(result.stdout) as Record<string, unknown>[];
    expect(rows).toHaveLength(1);
    expect(Object.keys(rows[0])).toEqual([...CSV_COLUMNS]);
    // CSV on standard output has its header too
    expect(predict('--crop', join(FACES, readdirSync(FACES)[0])).stdout.split('\n')[0]).toBe(CSV_COLUMNS.join(','));
  });

  it('finds every face in photos, largest first, with an empty row for a photo without one, and draws them', () => {
    const dir = mkdtempSync(join(tmpdir(), 'agegender-'));
    const result = predict('--format', 'json', '--draw', join(dir, 'drawn'), PHOTOS);
    expect(result.status).toBe(0);
    const rows = JSON.parse(result.stdout) as Record<string, number | string | null>[];
    const of = (name: string): Record<string, number | string | null>[] =>
      rows.filter((r) => String(r.path).endsWith(`/${name}`));
    const group = of('group-of-three.jpg');
    expect(group.map((r) => r.face)).toEqual([1, 2, 3]);
    for (const r of group) {
      expect(Number(r.score)).toBeGreaterThan(0.75);
      expect(Number(r.left) + Number(r.width)).toBeLessThanOrEqual(500);
      expect(Number(r.age_low)).toBeLessThanOrEqual(Number(r.age));
      expect(r.error).toBeNull();
    }
    const areas = group.map((r) => Number(r.width) * Number(r.height));
    expect(areas).toEqual([...areas].sort((a, b) => b - a));
    // The same photo stored sideways with an EXIF orientation tag: read upright, the same faces.
    const turned = of('group-of-three-exif-rotated.jpg');
    expect(turned).toHaveLength(3);
    turned.forEach((r, i) => {
      expect(Math.abs(Number(r.left) - Number(group[i].left))).toBeLessThan(5);
      // Re-encoding moves the box by a pixel or two; the estimate stays inside the first interval.
      expect(Number(r.age)).toBeGreaterThan(Number(group[i].age_low));
      expect(Number(r.age)).toBeLessThan(Number(group[i].age_high));
    });
    expect(of('portrait.jpg')).toHaveLength(1);
    expect(of('dogs.jpg')).toEqual([expect.objectContaining({ face: null, left: null, age: null, error: null })]);
    expect(readdirSync(join(dir, 'drawn', PHOTOS)).sort()).toEqual(
      ['dogs', 'group-of-three', 'group-of-three-exif-rotated', 'portrait', 'two-people']
        .map((n) => `${n}.faces.jpg`)
        .sort(),
    );
  });

  it('gives a photo whose copy cannot be drawn an error row and goes on with the others', () => {
    const dir = mkdtempSync(join(tmpdir(), 'agegender-'));
    const outside = join(dir, 'in', 'portrait.jpg'); // outside the current folder: drawn under out/<its absolute path>
    mkdirSync(join(dir, 'in'));
    cpSync(join(PHOTOS, 'portrait.jpg'), outside);
    writeFileSync(join(dir, 'out'), ''); // a file where --draw's folder should be: refused before any photo
    const refused = predict('--draw', join(dir, 'out'), outside);
    expect(refused.status).toBe(2);
    expect(refused.stderr).toContain(`--draw ${join(dir, 'out')}`);
    const draw = join(dir, 'drawn');
    mkdirSync(draw);
    writeFileSync(join(draw, 'e2e'), ''); // a file where the folder for copies of e2e/... should be
    const result = predict('--format', 'json', '--draw', draw, join(PHOTOS, 'portrait.jpg'), outside);
    expect(result.status).toBe(1);
    const rows = JSON.parse(result.stdout) as Record<string, string | null>[];
    expect(rows.map((r) => [r.path, r.face === null, r.error?.startsWith('cannot draw its copy: ')])).toEqual([
      [join(PHOTOS, 'portrait.jpg'), true, true],
      [outside, false, undefined],
    ]);
    expect(existsSync(drawnPath(outside, draw))).toBe(true);
  });

  it('gives the boxes of a photo over 4096 px in its own pixels, though it is searched on a smaller copy', async () => {
    const photo = join(PHOTOS, 'group-of-three.jpg');
    const { width = 0 } = await sharp(photo).metadata();
    const big = join(mkdtempSync(join(tmpdir(), 'agegender-')), 'big.jpg');
    await sharp(photo)
      .resize({ width: 9 * width })
      .jpeg({ quality: 95 })
      .toFile(big); // 4,500 px wide: read at 4,096
    const rows = (path: string): Record<string, number>[] =>
      JSON.parse(predict('--format', 'json', path).stdout) as Record<string, number>[];
    const [small, large] = [rows(photo), rows(big)];
    expect(large).toHaveLength(small.length);
    large.forEach((r, i) => {
      for (const k of ['left', 'top', 'width', 'height'])
        expect(Math.abs(r[k] / 9 - small[i][k])).toBeLessThan(0.04 * small[i].width);
    });
  });

  it('keeps the largest faces with --max-faces', () => {
    const result = predict('--format', 'json', '--max-faces', '1', join(PHOTOS, 'group-of-three.jpg'));
    expect(result.status).toBe(0);
    expect(JSON.parse(result.stdout)).toHaveLength(1);
  });

  it('explains a usage error and exits 2', () => {
    const result = predict('--format', 'xml', FACES);
    expect(result.status).toBe(2);
    expect(result.stderr).toContain('--format must be one of csv, jsonl, json');
    expect(predict('--resume', FACES).stderr).toContain('--resume needs --output FILE');
    expect(predict('--shard', '2/2', FACES).stderr).toContain('--shard must be K/N with 0 <= K < N');
    const crop = predict('--crop', '--draw', 'out', FACES);
    expect(crop.status).toBe(2);
    expect(crop.stderr).toContain('not --crop');
  });

  // The CLI as `npm run predict` starts it, in a process group of its own so that signals reach it as from a terminal.
  const start = (...args: string[]) =>
    spawn(process.execPath, ['--import', 'tsx', 'src/cli/predict.ts', ...args], {
      detached: true,
      stdio: ['ignore', 'ignore', 'pipe'],
    });
  const rowsIn = (path: string): number => (existsSync(path) ? readFileSync(path, 'utf8').split('\n').length - 2 : 0);
  const until = async (done: () => boolean): Promise<void> => {
    while (!done()) await new Promise((resolve) => setTimeout(resolve, 20));
  };

  it('writes each image as soon as it is done: killed with kill -9, then run with --resume, it has every image once, as a straight run', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'agegender-'));
    const args = (out: string): string[] => ['--crop', '--batch-size', '1', '--output', join(dir, out), FACES];
    const killed = start(...args('resumed.csv'));
    await until(() => rowsIn(join(dir, 'resumed.csv')) >= 2);
    process.kill(-killed.pid!, 'SIGKILL');
    appendFileSync(join(dir, 'resumed.csv'), `${FACES}/a-row-cut-short,0,0`); // as a write cut short by a crash leaves it
    const resumed = predict(...args('resumed.csv'), '--resume');
    expect(resumed.status, resumed.stderr).toBe(0);
    expect(resumed.stderr).toMatch(/resuming: [1-7] of 8 images already in/);
    expect(predict(...args('straight.csv')).status).toBe(0);
    expect(readFileSync(join(dir, 'resumed.csv'), 'utf8')).toBe(readFileSync(join(dir, 'straight.csv'), 'utf8'));
  }, 120_000);

  it('stops after the current image on Ctrl-C, with complete rows and the command that goes on', async () => {
    const out = join(mkdtempSync(join(tmpdir(), 'agegender-')), 'out file.jsonl'); // a space: quoted in the command printed
    const run = start('--crop', '--batch-size', '1', '--format', 'jsonl', '--output', out, FACES);
    let stderr = '';
    run.stderr!.on('data', (d: Buffer) => {
      stderr += d.toString();
    });
    const exit = new Promise<number | null>((resolve) => run.on('exit', resolve));
    await until(() => rowsIn(out) >= 1);
    process.kill(-run.pid!, 'SIGINT');
    expect(await exit).toBe(130);
    const rows = readFileSync(out, 'utf8')
      .trimEnd()
      .split('\n')
      .map((line) => JSON.parse(line) as { path: string });
    expect(rows.length).toBeGreaterThanOrEqual(1);
    expect(rows.length).toBeLessThan(8);
    expect(stderr).toContain(`stopped after ${rows.length} of 8 images; to go on: npm run predict -- `);
    expect(stderr).toContain(` --output '${out}' `);
    expect(stderr).toContain(' --resume');
  }, 120_000);

  it('splits the images into shards: every image in exactly one', () => {
    const shard = (k: number): string[] =>
      (JSON.parse(predict('--crop', '--format', 'json', '--shard', `${k}/3`, FACES).stdout) as { path: string }[]).map(
        (r) => r.path,
      );
    const shards = [0, 1, 2].map(shard);
    expect(shards.map((s) => s.length)).toEqual([3, 3, 2]);
    expect(shards.flat().sort()).toEqual(
      readdirSync(FACES)
        .map((f) => join(FACES, f))
        .sort(),
    );
  });

  it('gives the same rows, in the same order, with --jobs 2 (two worker threads) as with --jobs 1', () => {
    const dir = mkdtempSync(join(tmpdir(), 'agegender-'));
    for (const jobs of ['1', '2']) {
      const result = predict('--jobs', jobs, '--output', join(dir, `jobs-${jobs}.csv`), PHOTOS, FACES, NOT_AN_IMAGE);
      expect(result.status).toBe(1); // the file that is not an image
      expect(result.stderr).toContain(jobs === '2' ? '2 worker threads' : 'wasm backend)');
    }
    expect(readFileSync(join(dir, 'jobs-2.csv'), 'utf8')).toBe(readFileSync(join(dir, 'jobs-1.csv'), 'utf8'));
  }, 120_000);

  it('refuses a model whose files do not match the sha256 sums in its model card, flipped or cut short', () => {
    const dir = mkdtempSync(join(tmpdir(), 'agegender-'));
    cpSync('public/models/agegender', dir, { recursive: true });
    const face = join(FACES, readdirSync(FACES)[0]);
    expect(predict('--crop', '--model', join(dir, 'model.json'), face).status).toBe(0); // the copy as it is
    const weights = readFileSync(join(dir, 'weights.bin'));
    weights[1000] ^= 1;
    writeFileSync(join(dir, 'weights.bin'), weights);
    const flipped = predict('--crop', '--model', join(dir, 'model.json'), face);
    expect(flipped.status).toBe(2);
    expect(flipped.stderr).toContain('weights.bin does not match the sha256 in model-card.json');
    writeFileSync(join(dir, 'weights.bin'), weights.subarray(0, 1000));
    expect(predict('--crop', '--model', join(dir, 'model.json'), face).stderr).toContain('does not match the sha256');
  }, 120_000);

  it('refuses a model folder without its card, and a detector with a byte changed, saying which file and what to do', () => {
    const dir = mkdtempSync(join(tmpdir(), 'agegender-'));
    cpSync('public/models/agegender', join(dir, 'model'), { recursive: true });
    rmSync(join(dir, 'model', 'model-card.json'));
    const noCard = predict('--crop', '--model', join(dir, 'model', 'model.json'), join(FACES, readdirSync(FACES)[0]));
    expect(noCard.status).toBe(2);
    expect(noCard.stderr).toContain(
      `${join(dir, 'model', 'model-card.json')} is missing: the model's files cannot be checked; ` +
        'copy or download the whole model folder again',
    );
    cpSync('public/models/blazeface', join(dir, 'detector'), { recursive: true });
    const weights = readFileSync(join(dir, 'detector', 'blazeface-front.bin'));
    weights[1000] ^= 1;
    writeFileSync(join(dir, 'detector', 'blazeface-front.bin'), weights);
    const flipped = predict('--detector', join(dir, 'detector', 'blazeface-front.json'), join(PHOTOS, 'portrait.jpg'));
    expect(flipped.status).toBe(2);
    expect(flipped.stderr).toContain(
      `${join(dir, 'detector', 'blazeface-front.bin')} does not match the sha256 in model-card.json`,
    );
  }, 120_000);

  it('escapes in its CSV the names of files a spreadsheet would run as formulas', () => {
    const dir = mkdtempSync(join(tmpdir(), 'agegender-formulas-'));
    const names = ['=1+1.jpg', '=HYPERLINK("x","y").jpg', 'plain.jpg']; // a file name holds no slash
    for (const name of names) cpSync(join(FACES, readdirSync(FACES)[0]), join(dir, name));
    const result = predictIn(dir, '--crop', '.');
    expect(result.status, result.stderr).toBe(0);
    expect(result.stdout).toContain(`\n'=1+1.jpg,1,0,0,200,200,`);
    const rows = parse(result.stdout, { columns: true }) as Record<string, string>[];
    expect(rows.map((r) => r.path).sort()).toEqual([`'=1+1.jpg`, `'=HYPERLINK("x","y").jpg`, 'plain.jpg']);
  }, 120_000);

  it('gives every broken file of a fuzz corpus one row with a one-line error, and goes on', () => {
    const dir = mkdtempSync(join(tmpdir(), 'agegender-corpus-'));
    const photo = readFileSync(join(PHOTOS, 'portrait.jpg'));
    // A PNG whose header claims 60000x60000 pixels (a decompression bomb)
    const chunk = (type: string, data: Buffer): Buffer => {
      const body = Buffer.concat([Buffer.from(type, 'latin1'), data]);
      const length = Buffer.alloc(4);
      length.writeUInt32BE(data.length);
      const crc = Buffer.alloc(4); // libvips checks the size before the checksum
      return Buffer.concat([length, body, crc]);
    };
    const header = Buffer.alloc(13);
    header.writeUInt32BE(60000, 0);
    header.writeUInt32BE(60000, 4);
    header.set([8, 2, 0, 0, 0], 8);
    const corpus: Record<string, Buffer> = {
      'bomb.png': Buffer.concat([
        Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
        chunk('IHDR', header),
        chunk('IDAT', deflateSync(Buffer.alloc(1000))),
        chunk('IEND', Buffer.alloc(0)),
      ]),
      'empty.jpg': Buffer.alloc(0),
      'noise.png': Buffer.from(Array.from({ length: 5000 }, (_, i) => (i * 7919) % 251)),
      'truncated.jpg': photo.subarray(0, 3000),
      'truncated.png': Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13]),
    };
    for (const [name, bytes] of Object.entries(corpus)) writeFileSync(join(dir, name), bytes);
    mkdirSync(join(dir, 'a-folder.jpg')); // a folder named like an image is not an image
    const result = predict('--format', 'json', dir);
    expect(result.status).toBe(1);
    const rows = JSON.parse(result.stdout) as { path: string; error: string | null }[];
    expect(rows.map((r) => r.path).sort()).toEqual(
      Object.keys(corpus)
        .map((n) => join(dir, n))
        .sort(),
    );
    for (const r of rows) {
      expect(r.error, r.path).toMatch(/^[^\n]+$/);
      expect(result.stderr).toContain(`error: ${r.path}: ${r.error}`);
    }
    expect(rows.find((r) => r.path.endsWith('bomb.png'))!.error).toContain('too large');
  }, 120_000);
});
