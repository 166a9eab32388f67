// The model registry names each shipped model's files as they are in public/models/, and the package's
// own file URLs (packagedUrls.ts, written out for bundlers) are exactly the registry's files.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { filesOf, MODEL_CARD, MODELS, modelFile } from './modelRegistry';
import { PACKAGED_FILES, packagedUrl } from './packagedUrls';

const MODELS_DIR = 'public/models';
const json = (path: string): unknown => JSON.parse(readFileSync(join(MODELS_DIR, path), 'utf8'));

describe('the model registry', () => {
  it.each(Object.entries(MODELS))(
    "names %s's files: model.json's weights, and every file its card has a sum for",
    (_, entry) => {
      for (const file of filesOf(entry)) expect(existsSync(join(MODELS_DIR, entry.folder, file)), file).toBe(true);
      const manifest = (json(`${entry.folder}/${entry.modelJson}`) as { weightsManifest: { paths: string[] }[] })
        .weightsManifest;
      expect(manifest.flatMap((group) => group.paths)).toEqual(entry.weights);
      const card = json(`${entry.folder}/${MODEL_CARD}`) as { size: { sha256: Record<string, string> } };
      expect(Object.keys(card.size.sha256).sort()).toEqual([entry.modelJson, ...entry.weights].sort());
    },
  );

  it('gives the paths under public/models/ that the site, the CLI and the package use', () => {
    expect(modelFile('accurate')).toBe('agegender/model.json');
    expect(modelFile('fast', 'card')).toBe('agegender-fast/model-card.json');
    expect(modelFile('detector')).toBe('blazeface/blazeface-front.json');
  });

  it("lists each of the package's model files for bundlers, each at its own path under public/models/", () => {
    const files = Object.values(MODELS).flatMap((entry) => filesOf(entry).map((file) => `${entry.folder}/${file}`));
    expect(Object.keys(PACKAGED_FILES).sort()).toEqual(files.sort());
    // relative to the built dist-lib/index.js: ../public/models/<path> beside it
    for (const path of files) expect(packagedUrl(path)).toMatch(new RegExp(`/public/models/${path}$`));
    expect(() => packagedUrl('agegender/other.bin')).toThrow('the package has no model file agegender/other.bin');
  });
});
