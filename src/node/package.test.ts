// The package as users get it: `npm pack`, install the tarball in an empty folder, and run the Node
// example against it. It must find every face of the group photo exactly as the CLI does.
import { execFileSync, spawnSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const PHOTO = resolve('e2e/fixtures/photos/group-of-three.jpg');
const MAX_TARBALL_BYTES = 8 * 1024 * 1024;

interface Row {
  face: number | null;
  left: number;
  top: number;
  width: number;
  height: number;
  age: number;
  age_low: number;
  age_high: number;
  gender: string;
  female_probability: number;
}
interface LibraryFace {
  box: { left: number; top: number; width: number; height: number };
  age: number;
  ageLow: number;
  ageHigh: number;
  gender: string;
  femaleProbability: number;
}

describe('the npm package', () => {
  it("packs with both models, installs into an empty project, and agegender/node finds the CLI's faces", () => {
    const dir = mkdtempSync(join(tmpdir(), 'agegender-package-'));
    const [packed] = JSON.parse(
      execFileSync('npm', ['pack', '--json', '--pack-destination', dir], {
        encoding: 'utf8',
        stdio: ['ignore', 'pipe', 'pipe'],
      }),
    ) as { filename: string; files: { path: string }[] }[];
    const tarball = join(dir, packed.filename);
    expect(statSync(tarball).size).toBeLessThanOrEqual(MAX_TARBALL_BYTES);
    const files = packed.files.map((f) => f.path);
    for (const f of [
      'dist-lib/index.js',
      'dist-lib/node.js',
      'dist-lib/cli.js',
      'dist-lib/predictWorker.js',
      'public/models/agegender/model.json',
      'public/models/agegender/weights.bin',
      'public/models/agegender/model-card.json',
      'public/models/agegender-fast/model-card.json',
      'public/models/blazeface/blazeface-front.json',
      'public/models/blazeface/model-card.json', // the detector's files are checked against it as they load
      'dist-lib/index.d.ts',
      'dist-lib/node.d.ts',
      'LICENSE',
      'CHANGELOG.md',
      'README.md', // with the data's licences
    ])
      expect(files).toContain(f);
    // only what users need: the built code, the models and the package's own papers
    const needed = (f: string): boolean =>
      /^(dist-lib|public\/models\/(agegender|agegender-fast|blazeface))\//.test(f) ||
      ['package.json', 'README.md', 'LICENSE', 'CHANGELOG.md'].includes(f);
    expect(files.filter((f) => !needed(f))).toEqual([]);

    const app = join(dir, 'app');
    execFileSync('mkdir', ['-p', app]);
    writeFileSync(join(app, 'package.json'), JSON.stringify({ name: 'uses-agegender', private: true, type: 'module' }));
    execFileSync('npm', ['install', '--no-audit', '--no-fund', '--prefer-offline', tarball], {
      cwd: app,
      stdio: 'ignore',
    });
    copyFileSync('examples/node/estimate-faces.mjs', join(app, 'estimate-faces.mjs'));
    // The declarations serve a strict TypeScript project with Node's own module resolution (tfjs's own
    // declarations have errors of their own under --strict, so only ours and the project's count).
    writeFileSync(
      join(app, 'typed.ts'),
      "import { load, loadModelCard, type FaceAnalysis } from 'agegender/node';\n" +
        "const faces: FaceAnalysis[] = await (await load()).estimateFaces('photo.jpg');\n" +
        'console.log(faces[0]?.ageHigh, (await loadModelCard()).training.seed);\n',
    );
    const typeCheck = spawnSync(
      resolve('node_modules/.bin/tsc'),
      [
        '--noEmit',
        '--strict',
        '--module',
        'nodenext',
        '--moduleResolution',
        'nodenext',
        '--target',
        'es2022',
        '--lib',
        'es2022,dom',
        '--types',
        'node',
        '--typeRoots',
        resolve('node_modules/@types'),
        'typed.ts',
      ],
      { cwd: app, encoding: 'utf8' },
    );
    expect(typeCheck.stdout.split('\n').filter((line) => /^(typed\.ts|node_modules\/agegender\/)/.test(line))).toEqual(
      [],
    );
    // The CLI is the package's bin: one row per face chip, with the package's own models.
    const faces = readdirSync(resolve('e2e/fixtures/faces'));
    const cli = spawnSync(
      'npx',
      ['--no-install', 'agegender', '--crop', '--format', 'json', resolve('e2e/fixtures/faces')],
      {
        cwd: app,
        encoding: 'utf8',
      },
    );
    expect(cli.status, cli.stderr).toBe(0);
    const cliRows = JSON.parse(cli.stdout) as { path: string; age: number }[];
    expect(cliRows.map((r) => r.path.split('/').at(-1)).sort()).toEqual([...faces].sort());
    expect(cliRows.every((r) => Number.isFinite(r.age))).toBe(true);
    const fromLibrary = (
      JSON.parse(execFileSync('node', ['estimate-faces.mjs', PHOTO], { cwd: app, encoding: 'utf8' })) as {
        faces: LibraryFace[];
      }
    ).faces;

    const fromCli = (
      JSON.parse(
        execFileSync('npx', ['--no-install', 'tsx', 'src/cli/predict.ts', '--format', 'json', PHOTO], {
          encoding: 'utf8',
        }),
      ) as Row[]
    ).filter((r) => r.face !== null);
    expect(fromLibrary).toHaveLength(3);
    expect(fromLibrary).toHaveLength(fromCli.length);
    fromLibrary.forEach((f, i) => {
      // the CLI rounds to 0.1 (0.0001 for the probability)
      const r = fromCli[i];
      for (const [got, want] of [
        [f.box.left, r.left],
        [f.box.top, r.top],
        [f.box.width, r.width],
        [f.box.height, r.height],
        [f.age, r.age],
        [f.ageLow, r.age_low],
        [f.ageHigh, r.age_high],
      ])
        expect(Math.abs(got - want)).toBeLessThanOrEqual(0.051);
      expect(Math.abs(f.femaleProbability - r.female_probability)).toBeLessThanOrEqual(0.0001);
      expect(f.gender).toBe(r.gender);
    });
  }, 600_000);
});
