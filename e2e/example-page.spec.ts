import { createReadStream, existsSync, statSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { extname, join, normalize } from 'node:path';
import { expect, test } from '@playwright/test';
import { watchErrors } from './pageErrors';

const ROOT = join(import.meta.dirname, '..');
const TYPES: Record<string, string> = {
  '.html': 'text/html',
  '.js': 'text/javascript',
  '.mjs': 'text/javascript',
  '.json': 'application/json',
  '.bin': 'application/octet-stream',
  '.jpg': 'image/jpeg',
  '.wasm': 'application/wasm',
};

// The repository as a plain static site: the example page loads the built package (dist-lib/, `npm run
// build:lib`) and tfjs straight from node_modules through an import map, as a page without a bundler would.
let server: Server;
let origin = '';
test.beforeAll(async () => {
  expect(existsSync(join(ROOT, 'dist-lib', 'index.js')), 'run `npm run build:lib` first').toBe(true);
  server = createServer((req, res) => {
    const path = normalize(join(ROOT, decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname)));
    if (!path.startsWith(ROOT) || !existsSync(path) || !statSync(path).isFile()) {
      res.writeHead(404).end();
      return;
    }
    res.writeHead(200, { 'content-type': TYPES[extname(path)] ?? 'application/octet-stream' });
    createReadStream(path).pipe(res);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
test.afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

test('the bundler-free example page finds the three faces of the group photo with the package', async ({ page }) => {
  const errors = watchErrors(page);
  await page.goto(`${origin}/examples/browser/index.html`);
  await expect(page.getByTestId('face')).toHaveCount(3);
  await expect(page.getByTestId('face').first()).toHaveText(
    /^age \d+ \(90%: \d+ to \d+\), (male|female|uncertain) \(\d+% female\), box at \d+, \d+$/,
  );
  expect(errors).toEqual([]);
});
