// Where the package's own models are on disk: public/models/ in the package root, found from this module
// wherever it runs (src/node/ in the repository, dist-lib/ in the installed package).
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The path of `path` under the package's public/models/ (e.g. 'agegender/model.json'). */
export function packagedModel(path: string): string {
  for (let dir = dirname(fileURLToPath(import.meta.url)); ; dir = dirname(dir)) {
    const candidate = join(dir, 'public', 'models', path);
    if (existsSync(candidate)) return candidate;
    if (dirname(dir) === dir) throw new Error(`the package's public/models/${path} is missing: pass its path`);
  }
}
