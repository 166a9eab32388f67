// The package in apps built with bundlers: examples/bundler/main.js, built with Vite, webpack 5 and esbuild
// against the package as packed (dist-lib/ from `npm run build:lib`), then run (runBrowserBundle.mjs). Vite
// and webpack copy the model files into the build and load() finds them there; esbuild copies no assets, so
// that app passes modelsUrl. Each must find the faces agegender/node finds.
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import * as tf from '@tensorflow/tfjs';
import { build as esbuild } from 'esbuild';
import sharp from 'sharp';
import { build as vite } from 'vite';
import { beforeAll, describe, expect, it } from 'vitest';
import webpack from 'webpack';
import { load } from './index';

const PHOTO = resolve('e2e/fixtures/photos/group-of-three.jpg');

interface Face {
  box: { left: number; top: number; width: number; height: number };
  age: number;
  gender: string;
}

let app = '';
let rgba = '';
let size = { width: 0, height: 0 };
let expected: Face[] = [];

beforeAll(async () => {
  expect(existsSync('dist-lib/index.js'), 'run `npm run build:lib` first').toBe(true);
  const dir = mkdtempSync(join(tmpdir(), 'agegender-bundlers-'));
  // The package as npm installs it; tfjs (its peer) from this repository's node_modules.
  const packed = spawnSync('npm', ['pack', '--ignore-scripts', '--json', '--pack-destination', dir], {
    encoding: 'utf8',
  });
  expect(packed.status, packed.stderr).toBe(0);
  app = join(dir, 'app');
  mkdirSync(join(app, 'node_modules', 'agegender'), { recursive: true });
  const tarball = join(dir, (JSON.parse(packed.stdout) as { filename: string }[])[0].filename);
  const untar = spawnSync('tar', [
    'xzf',
    tarball,
    '-C',
    join(app, 'node_modules', 'agegender'),
    '--strip-components=1',
  ]);
  expect(untar.status, String(untar.stderr)).toBe(0);
  symlinkSync(resolve('node_modules/@tensorflow'), join(app, 'node_modules', '@tensorflow'));
  writeFileSync(join(app, 'package.json'), JSON.stringify({ name: 'bundled', private: true, type: 'module' }));
  cpSync('examples/bundler/main.js', join(app, 'main.js'));

  const { data, info } = await sharp(PHOTO).ensureAlpha().raw().toBuffer({ resolveWithObject: true });
  rgba = join(dir, 'photo.rgba');
  writeFileSync(rgba, data);
  size = { width: info.width, height: info.height };
  // What agegender/node finds in the same pixels, on the same backend.
  const analyzer = await load({ backend: 'cpu' });
  const rgb = tf.tidy(() => tf.tensor3d(data, [info.height, info.width, 4], 'int32').slice([0, 0, 0], [-1, -1, 3]));
  expected = await analyzer.estimateFaces(rgb as tf.Tensor3D);
  rgb.dispose();
  analyzer.dispose();
  expect(expected).toHaveLength(3);
}, 300_000);

/** The faces the bundle finds, run as runBrowserBundle.mjs runs it. */
function run(bundle: string, modelsUrl?: string): Face[] {
  const args = [resolve('src/node/runBrowserBundle.mjs'), bundle, rgba, String(size.width), String(size.height)];
  const result = spawnSync(process.execPath, modelsUrl ? [...args, modelsUrl] : args, {
    encoding: 'utf8',
    timeout: 240_000,
  });
  expect(result.status, result.stderr).toBe(0);
  return JSON.parse(result.stdout.trim().split('\n').at(-1)!) as Face[];
}

function expectSameFaces(got: Face[]): void {
  expect(got).toHaveLength(expected.length);
  got.forEach((face, i) => {
    expect(face.gender).toBe(expected[i].gender);
    expect(Math.abs(face.age - expected[i].age)).toBeLessThan(0.01);
    expect(Math.abs(face.box.left - expected[i].box.left)).toBeLessThan(0.01);
  });
}

/** The model files the bundler wrote into `dir`: as many as the package ships (the detector's small card may be inlined). */
const copiedModelFiles = (dir: string): string[] => readdirSync(dir).filter((f) => /\.(json|bin)$/.test(f));

describe('examples/bundler built', () => {
  it('with Vite: the model files are assets of the build, and load() finds them', async () => {
    await vite({
      root: app,
      configFile: false,
      base: './',
      logLevel: 'error',
      build: {
        outDir: 'dist',
        chunkSizeWarningLimit: 100_000,
        rolldownOptions: { input: join(app, 'main.js'), output: { entryFileNames: 'main.js' } },
      },
    });
    expect(copiedModelFiles(join(app, 'dist', 'assets')).length).toBeGreaterThanOrEqual(8);
    expectSameFaces(run(join(app, 'dist', 'main.js')));
  }, 300_000);

  it('with webpack 5: the model files are assets of the build, and load() finds them', async () => {
    const compiler = webpack({
      mode: 'development',
      devtool: false,
      context: app,
      entry: './main.js',
      experiments: { outputModule: true },
      output: { path: join(app, 'webpack'), filename: 'main.js', module: true, library: { type: 'module' } },
      performance: { hints: false },
    });
    const stats = await new Promise<webpack.Stats | undefined>((done, fail) =>
      compiler.run((error, result) => (error ? fail(error) : done(result))),
    );
    await new Promise((done) => compiler.close(done));
    expect(stats?.hasErrors(), stats?.toString('errors-only')).toBe(false);
    expect(copiedModelFiles(join(app, 'webpack'))).toHaveLength(9);
    expectSameFaces(run(join(app, 'webpack', 'main.js')));
  }, 300_000);

  it('with esbuild, which copies no assets: load() finds the models at modelsUrl', async () => {
    await esbuild({
      entryPoints: [join(app, 'main.js')],
      bundle: true,
      format: 'esm',
      outfile: join(app, 'esbuild', 'main.js'),
      logLevel: 'error',
    });
    const site = join(app, 'site');
    cpSync(join(app, 'node_modules', 'agegender', 'public', 'models'), join(site, 'models'), { recursive: true });
    expectSameFaces(run(join(app, 'esbuild', 'main.js'), pathToFileURL(join(site, 'models')).href));
  }, 300_000);
});
