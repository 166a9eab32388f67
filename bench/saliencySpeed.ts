// npm run bench:saliency -- [--runs 3] [--photo e2e/fixtures/photos/portrait.jpg] [--backend NAME]
//
// The saliency view as a user meets it, in headless Chromium (Debian's; its WebGL is SwiftShader, software, so the
// page picks WASM): the built site (npm run build) served by vite preview, each run in a fresh browser. Once the
// photo's first face card shows, its "What did the model look at?" button is clicked, and at once every "Compute"
// button, as a user wanting every map would. Prints, per run and their median, the seconds from that click to the
// first map (SmoothGrad for age) and to all six.
import { existsSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { chromium } from '@playwright/test';
import { preview } from 'vite';
import { CHROMIUM_ARGS, CHROMIUM_PATH } from '../e2e/chromium';
import { median } from './timing';

const { values: args } = parseArgs({
  options: {
    runs: { type: 'string', default: '3' },
    photo: { type: 'string', default: 'e2e/fixtures/photos/portrait.jpg' },
    backend: { type: 'string' },
  },
});
const PORT = 4184;
const TIMEOUT = 300_000;
const MAPS = ['age', 'gender'].flatMap((t) =>
  ['smoothGrad', 'gradient', 'integratedGradients'].map((m) => `${t}-${m}`),
);

interface Run {
  firstMapMs: number;
  allMapsMs: number;
  backend: string;
}

async function oneRun(url: string): Promise<Run> {
  const browser = await chromium.launch({ executablePath: CHROMIUM_PATH, args: CHROMIUM_ARGS });
  try {
    const page = await browser.newPage();
    await page.goto(url);
    const status = page.getByTestId('model-status');
    await status.getByText('Ready.').waitFor({ timeout: TIMEOUT });
    const backend = (await status.textContent())?.match(/tfjs (\w+) backend/)?.[1] ?? '?';
    await page.getByTestId('file-input').setInputFiles(args.photo);
    await page.getByTestId('face-age').first().waitFor({ timeout: TIMEOUT });
    // Timed in the page, so that Playwright's polling adds nothing; a string, as tsx would wrap a function in
    // helpers the page does not have.
    const times = await page.evaluate<number[]>(`new Promise((resolve, reject) => {
      const maps = ${JSON.stringify(MAPS)};
      const start = performance.now();
      const times = new Map();
      requestAnimationFrame(function check() {
        for (const m of maps)
          if (!times.has(m) && document.querySelector('[data-testid="saliency-' + m + '"]')) times.set(m, performance.now() - start);
        if (times.size === maps.length) resolve(maps.map((m) => times.get(m)));
        else if (performance.now() - start > ${TIMEOUT}) reject(new Error('maps came: ' + [...times.keys()]));
        else requestAnimationFrame(check);
      });
      document.querySelector('[data-testid="explain-face"]').click();
      // the view draws its buttons at the next frame; a user wanting every map asks for them at once
      requestAnimationFrame(() => document.querySelectorAll('[data-testid^="compute-"]').forEach((b) => b.click()));
    })`);
    return { firstMapMs: Math.min(...times), allMapsMs: Math.max(...times), backend };
  } finally {
    await browser.close();
  }
}

async function main(): Promise<void> {
  if (!existsSync('dist/index.html')) throw new Error('no dist/index.html: run npm run build first');
  const server = await preview({ preview: { host: '127.0.0.1', port: PORT, strictPort: true }, logLevel: 'silent' });
  const url = `http://127.0.0.1:${PORT}/${args.backend ? `?backend=${args.backend}` : ''}`;
  try {
    const runs: Run[] = [];
    console.log('run     backend  first map s  all six maps s');
    const row = (name: string, backend: string, first: number, all: number): string =>
      `${name.padEnd(7)} ${backend.padEnd(8)} ${(first / 1000).toFixed(1).padStart(11)}  ${(all / 1000).toFixed(1).padStart(14)}`;
    for (let i = 0; i < Number(args.runs); i++) {
      const r = await oneRun(url);
      runs.push(r);
      console.log(row(String(i + 1), r.backend, r.firstMapMs, r.allMapsMs));
    }
    console.log(row('median', '', median(runs.map((r) => r.firstMapMs)), median(runs.map((r) => r.allMapsMs))));
  } finally {
    await new Promise<void>((resolve) => server.httpServer.close(() => resolve()));
  }
}

main().catch((e: unknown) => {
  console.error(`error: ${e instanceof Error ? e.message : String(e)}`);
  process.exit(1);
});
