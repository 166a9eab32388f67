// The package's own model files, each as a URL written out whole in `new URL('…', import.meta.url)`: the form
// Vite, webpack 5 and Parcel take for an asset, so that a bundler copies the file into its build and puts the
// copy's URL here. Without a bundler they are the files in public/models/ beside dist-lib/ in the installed
// package: the paths are relative to the built dist-lib/index.js (esbuild, which builds it, leaves them as they
// are), not to this source file. modelRegistry.test.ts holds this list to the registry's files.
import * as tf from '@tensorflow/tfjs';
import { checkedModelFiles, fetchFile } from './modelFiles';
import { filesOf, type ModelEntry } from './modelRegistry';

/**
 * Each packaged file (its path under public/models/) and its URL. Functions, so that a bundle without
 * import.meta.url (a script, not a module) fails only if it loads the package's own models.
 */
export const PACKAGED_FILES: Readonly<Record<string, () => string>> = {
  'agegender/model.json': () => new URL('../public/models/agegender/model.json', import.meta.url).href,
  'agegender/weights.bin': () => new URL('../public/models/agegender/weights.bin', import.meta.url).href,
  'agegender/model-card.json': () => new URL('../public/models/agegender/model-card.json', import.meta.url).href,
  'agegender-fast/model.json': () => new URL('../public/models/agegender-fast/model.json', import.meta.url).href,
  'agegender-fast/weights.bin': () => new URL('../public/models/agegender-fast/weights.bin', import.meta.url).href,
  'agegender-fast/model-card.json': () =>
    new URL('../public/models/agegender-fast/model-card.json', import.meta.url).href,
  'blazeface/blazeface-front.json': () =>
    new URL('../public/models/blazeface/blazeface-front.json', import.meta.url).href,
  'blazeface/blazeface-front.bin': () =>
    new URL('../public/models/blazeface/blazeface-front.bin', import.meta.url).href,
  'blazeface/model-card.json': () => new URL('../public/models/blazeface/model-card.json', import.meta.url).href,
};

/** The URL of a packaged file, e.g. 'agegender/model-card.json'. */
export function packagedUrl(path: string): string {
  const url = PACKAGED_FILES[path];
  if (!url) throw new Error(`the package has no model file ${path}`);
  return url();
}

// Where a packaged model's files are said to be, in messages, when a bundler has renamed them.
const INSTALLED = 'node_modules/agegender/public/models/';

const resolves = (name: string, base: string): string | null => {
  try {
    return new URL(name, base).href;
  } catch {
    return null; // a data: URL, say
  }
};

/**
 * The package's own model, its files checked against its card as they load. Where they are still side by side (no
 * bundler, or one that kept their names), their own URLs; where a bundler renamed them, each file is read from its
 * new URL, and a refusal names the file as installed.
 */
export function packagedModel(entry: ModelEntry, urlOf: (path: string) => string = packagedUrl): tf.io.IOHandler {
  const urls = new Map(filesOf(entry).map((name) => [name, urlOf(`${entry.folder}/${name}`)]));
  const modelJson = urls.get(entry.modelJson)!;
  if ([...urls].every(([name, url]) => resolves(name, modelJson) === url))
    return checkedModelFiles(modelJson, fetchFile);
  const folder = `${INSTALLED}${entry.folder}/`;
  return checkedModelFiles(folder + entry.modelJson, async (location) => {
    const url = urls.get(location.slice(folder.length));
    return url === undefined ? null : fetchFile(url);
  });
}
