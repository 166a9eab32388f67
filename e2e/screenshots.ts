// Where the end-to-end tests save the README's screenshots: e2e/.output/screenshots/ (gitignored), so that
// `npm test` writes nothing tracked; with SCREENSHOTS=1 (`npm run screenshots`), docs/screenshots/ instead.
import { join } from 'node:path';

const ROOT = join(import.meta.dirname, '..');

export const SCREENSHOTS_DIR =
  process.env.SCREENSHOTS === '1' ? join(ROOT, 'docs', 'screenshots') : join(ROOT, 'e2e', '.output', 'screenshots');

/** The path to save the screenshot `name` (e.g. 'photos.png') at. */
export const screenshotPath = (name: string): string => join(SCREENSHOTS_DIR, name);
