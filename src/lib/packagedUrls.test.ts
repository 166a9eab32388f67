// The package's own models load wherever their files are: side by side (no bundler), or each renamed by a
// bundler (Vite and webpack give each asset a hashed name, and Vite inlines small ones as data: URLs); and a
// models folder served elsewhere is found with load({ modelsUrl }).
import { readFileSync } from 'node:fs';
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { initBackend } from '../node/nodeRuntime';
import { load, loadModelCard } from './index';
import { filesOf, MODELS, type ModelEntry } from './modelRegistry';
import { packagedModel } from './packagedUrls';

const bytesOf = (path: string, damaged?: string): Uint8Array<ArrayBuffer> => {
  const bytes = new Uint8Array(readFileSync(`public/models/${path}`));
  if (path === damaged) bytes[100] ^= 1;
  return bytes;
};
const pathsOf = (entry: ModelEntry): string[] => filesOf(entry).map((file) => `${entry.folder}/${file}`);

/** Serve each of `paths` (under public/models/) at urlOf(path) with fetch, `damaged` with a byte changed; the URLs asked. */
function serve(paths: string[], urlOf: (path: string) => string, damaged?: string): string[] {
  const files = new Map(paths.map((path) => [urlOf(path), path]));
  const asked: string[] = [];
  vi.stubGlobal('fetch', (url: string) => {
    asked.push(url);
    const path = files.get(url);
    return Promise.resolve(path ? new Response(bytesOf(path, damaged)) : new Response(null, { status: 404 }));
  });
  return asked;
}

/** As a bundler emits them: each file renamed with a hash, and a small one (the detector's card) as a data: URL. */
const bundled = (path: string): string =>
  path === 'blazeface/model-card.json'
    ? `data:application/json;base64,${Buffer.from(bytesOf(path)).toString('base64')}`
    : `http://site/assets/${path.replace('/', '-').replace('.', '-0a1b2c3d.')}`;

describe("the package's own models", () => {
  beforeAll(async () => {
    await initBackend('cpu');
  });
  afterEach(() => {
    vi.unstubAllGlobals();
  });

  it('load from public/models/ beside the package, a refusal naming the URL', async () => {
    const beside = (path: string): string => `http://site/node_modules/agegender/public/models/${path}`;
    serve(pathsOf(MODELS.fast), beside);
    await expect(packagedModel(MODELS.fast, beside).load!()).resolves.toHaveProperty('weightData');
    serve(pathsOf(MODELS.fast), beside, 'agegender-fast/weights.bin');
    await expect(packagedModel(MODELS.fast, beside).load!()).rejects.toThrow(
      `${beside('agegender-fast/weights.bin')} does not match the sha256 in model-card.json`,
    );
  });

  it('load from the URLs a bundler gave each file, a refusal naming the file as installed', async () => {
    const asked = serve(pathsOf(MODELS.detector), bundled);
    await expect(packagedModel(MODELS.detector, bundled).load!()).resolves.toHaveProperty('weightData');
    expect(asked.map((url) => url.slice(0, 30))).toEqual([
      'data:application/json;base64,e',
      'http://site/assets/blazeface-b',
      'http://site/assets/blazeface-b',
    ]);
    serve(pathsOf(MODELS.detector), bundled, 'blazeface/blazeface-front.bin');
    await expect(packagedModel(MODELS.detector, bundled).load!()).rejects.toThrow(
      'node_modules/agegender/public/models/blazeface/blazeface-front.bin does not match the sha256 in model-card.json',
    );
  });

  it('are found under the folder given as modelsUrl', async () => {
    const under = (path: string): string => `https://cdn.example/agegender/models/${path}`;
    const asked = serve([...pathsOf(MODELS.fast), ...pathsOf(MODELS.detector)], under);
    const analyzer = await load({ model: 'fast', modelsUrl: 'https://cdn.example/agegender/models' });
    analyzer.dispose();
    expect(asked.sort()).toEqual([...pathsOf(MODELS.fast), ...pathsOf(MODELS.detector)].map(under).sort());
    serve(pathsOf(MODELS.fast), under);
    const card = await loadModelCard({ model: 'fast', modelsUrl: 'https://cdn.example/agegender/models/' });
    expect(card.name).toBe(
      (JSON.parse(readFileSync('public/models/agegender-fast/model-card.json', 'utf8')) as { name: string }).name,
    );
  });
});
