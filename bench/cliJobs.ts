// npm run bench:jobs -- [--photos N] [--jobs 1,2]
//
// Images per second of `npm run predict` (photo mode: detection, alignment, age and gender) with
// --jobs 1 and with more worker threads, on N photos made of the fixture photos repeated. Wall
// time of the whole command, model loading included, as a user waits for it.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';

const PHOTOS = 'e2e/fixtures/photos';

const { values } = parseArgs({
  options: { photos: { type: 'string', default: '150' }, jobs: { type: 'string', default: '1,2' } },
});
const dir = mkdtempSync(join(tmpdir(), 'bench-jobs-'));
const fixtures = readdirSync(PHOTOS).map((f) => join(PHOTOS, f));
const list = Array.from({ length: Number(values.photos) }, (_, i) => fixtures[i % fixtures.length]);
writeFileSync(join(dir, 'list.txt'), `${list.join('\n')}\n`);

console.log(
  `npm run predict on ${list.length} photos (${fixtures.length} fixture photos repeated), wall time including model loading`,
);
const rates = new Map<number, number>();
for (const jobs of values.jobs!.split(',').map(Number)) {
  const start = performance.now();
  const run = spawnSync(
    process.execPath,
    [
      '--import',
      'tsx',
      'src/cli/predict.ts',
      '--jobs',
      String(jobs),
      '--files-from',
      join(dir, 'list.txt'),
      '--output',
      join(dir, `jobs-${jobs}.csv`),
    ],
    { encoding: 'utf8' },
  );
  const seconds = (performance.now() - start) / 1000;
  if (run.status !== 0) throw new Error(`--jobs ${jobs} failed: ${run.stderr}`);
  rates.set(jobs, list.length / seconds);
  console.log(`--jobs ${jobs}: ${seconds.toFixed(1)} s, ${(list.length / seconds).toFixed(2)} images/s`);
}
const [first, ...others] = [...rates.entries()];
for (const [jobs, rate] of others)
  console.log(`--jobs ${jobs} / --jobs ${first[0]}: ${(rate / first[1]).toFixed(2)}x the images per second`);
