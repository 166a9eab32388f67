// npm run bench:cli-memory -- [--images 10000] [--jobs N] [--batch-size N] [--photos]
//
// The memory of `npm run predict` over a long run: N images (UTKFace chips from ../shared, else the
// fixture faces, repeated as needed) with --crop (or, with --photos, in photo mode: detection too,
// about 100x slower), streamed to a CSV. Prints the process's resident memory (all worker threads
// included) every tenth of the run and, last, the growth from the first tenth to the end. Linux only
// (it reads /proc).
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';

const SHARED = '../shared/data/UTKFace';
const FIXTURES = 'e2e/fixtures/faces';

const { values } = parseArgs({
  options: {
    images: { type: 'string', default: '10000' },
    jobs: { type: 'string', default: String(availableParallelism()) },
    'batch-size': { type: 'string', default: '32' },
    photos: { type: 'boolean', default: false },
  },
});
const count = Number(values.images);
const source = existsSync(SHARED) ? SHARED : FIXTURES;
const files = readdirSync(source)
  .filter((f) => f.endsWith('.jpg'))
  .map((f) => join(source, f));
const dir = mkdtempSync(join(tmpdir(), 'bench-cli-memory-'));
writeFileSync(
  join(dir, 'list.txt'),
  `${Array.from({ length: count }, (_, i) => files[i % files.length]).join('\n')}\n`,
);
const output = join(dir, 'out.csv');

const residentMB = (pid: number): number =>
  Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1]) / 1024;
const rowsWritten = (): number => (existsSync(output) ? readFileSync(output, 'utf8').split('\n').length - 2 : 0);

console.log(
  `npm run predict ${values.photos ? '' : '--crop '}--jobs ${values.jobs} --batch-size ${values['batch-size']} on ${count} images from ${source} (${files.length} files, repeated as needed)`,
);
const started = performance.now();
const child = spawn(
  process.execPath,
  [
    '--import',
    'tsx',
    'src/cli/predict.ts',
    ...(values.photos ? [] : ['--crop']),
    '--jobs',
    values.jobs!,
    '--batch-size',
    values['batch-size']!,
    '--files-from',
    join(dir, 'list.txt'),
    '--output',
    output,
  ],
  { stdio: ['ignore', 'ignore', 'pipe'] },
);
let stderr = ''; // its progress bar; shown only if it fails
child.stderr!.on('data', (chunk: Buffer) => {
  stderr = (stderr + chunk.toString()).slice(-4000);
});
const samples: { rows: number; mb: number }[] = [];
let nextReport = count / 10;
const timer = setInterval(() => {
  try {
    const sample = { rows: rowsWritten(), mb: residentMB(child.pid!) };
    samples.push(sample);
    if (sample.rows >= nextReport) {
      console.log(
        `${String(sample.rows).padStart(6)} images: ${sample.mb.toFixed(0)} MB resident, ${((performance.now() - started) / 1000).toFixed(0)} s`,
      );
      while (nextReport <= sample.rows) nextReport += count / 10;
    }
  } catch {
    // the process has just ended
  }
}, 500);
child.on('exit', (code) => {
  clearInterval(timer);
  if (code !== 0 && code !== 1) throw new Error(`predict exited with ${code}: ${stderr}`);
  const peak = (some: typeof samples): number => Math.max(...some.map((s) => s.mb));
  // The first tenth of the images (model loading included) against the last tenth of the samples in time.
  const [early, late] = [
    peak(samples.filter((s) => s.rows <= count / 10)),
    peak(samples.slice(-Math.ceil(samples.length / 10))),
  ];
  console.log(
    `${rowsWritten()} rows in ${((performance.now() - started) / 1000).toFixed(0)} s; peak resident memory ${early.toFixed(0)} MB ` +
      `in the first tenth, ${late.toFixed(0)} MB at the end: growth ${(late - early).toFixed(0)} MB`,
  );
});
