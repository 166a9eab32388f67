// The CLI's usage, written once: `--help` prints it, a usage error prints its first line, and a test
// (usage.test.ts) holds README.md's "## The command line" block to it. Each option here is one that
// predict.ts's parseArgs takes.
import { CSV_COLUMNS } from '../lib/predictionRow';
import { OUTPUT_FORMATS } from './predictionOutput';

/** How the CLI is started: `npm run predict --` in this repository, `npx agegender` from the installed package. */
export const REPOSITORY_COMMAND = 'npm run predict --';
export const PACKAGE_COMMAND = 'npx agegender';

/** The first line: what a usage error prints before pointing at --help. */
export const synopsis = (command: string): string => `usage: ${command} [OPTION]... PATH...`;

/** The whole --help text (no trailing newline), with `command` as the way it was started. */
export function helpText(command: string): string {
  return [
    synopsis(command),
    '',
    'Age (with a 90% interval) and gender for every face in each image. PATH is an image or a folder',
    '(walked for images, symbolic links followed). Rows are written as each image is done, in the order',
    'of the input, one per face, largest first (an image with no face: one row, status "no face found"):',
    '',
    `  ${CSV_COLUMNS.join(',')}`,
    '',
    'Options:',
    "  --crop               each image is one aligned face chip (as UTKFace's): face 1, no detection",
    "  --min-face PX        the smallest face side to look for, in the file's pixels",
    '                       (default: 5% of the longer side, at least 20 px)',
    '  --max-faces N        at most N faces an image, the largest (default 0: all)',
    '  --draw DIR           save a copy of each photo with its faces boxed and labelled into DIR',
    `  --format FORMAT      ${OUTPUT_FORMATS.join(', ')} (default ${OUTPUT_FORMATS[0]})`,
    '  --output FILE        write the rows to FILE (default: standard output)',
    '  --resume             go on with a stopped run: keep the images FILE holds and append the rest',
    '                       (needs --output FILE, csv or jsonl)',
    '  --shard K/N          only every N-th image from the K-th (0-based), to split an archive across machines',
    '  --jobs N             worker threads (default: the cores)',
    '  --files-from LIST    the paths in the file LIST (one a line) too; with it, PATH may be left out',
    "  --model MODEL.json   the age/gender model (default: the package's accurate one)",
    '  --detector MODEL.json',
    "                       the face detector, BlazeFace (default: the package's own)",
    '  --batch-size N       face chips a batch with --crop (default 32)',
    '  --backend NAME       the tfjs backend: wasm (default) or cpu',
    '  --help               print this and exit',
    '',
    'Every model file is checked against the sha256 sums in the model-card.json beside its model.json.',
    'A file that cannot be read gets a row with a one-line error and the run goes on. Ctrl-C stops after',
    'the images in hand. Exit status: 0; 1 if any file could not be read; 2 for a usage error or a run',
    'that cannot start (a model refused, a --draw folder that cannot be made); 130 after Ctrl-C.',
  ].join('\n');
}
