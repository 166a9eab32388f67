// Where the CLI's rows go. Each image's rows are written as soon as it is done (one write call, so
// a crash or kill loses at most the image in progress), and --resume reads back what an earlier run
// of the same command wrote, so that an archive of tens of thousands of photos is never redone.
import { closeSync, existsSync, openSync, readFileSync, writeSync } from 'node:fs';
import { parse } from 'csv-parse/sync';
import { stringify } from 'csv-stringify/sync';
import { CSV_COLUMNS, csvCells, fromCsvCells, type PredictionRow } from '../lib/predictionRow';

/**
 * csv: a header, then a row per face (paths and errors escaped against spreadsheet formulas, as the page's CSV);
 * jsonl: a JSON object per line; json: one array, valid once the run ends.
 */
export type OutputFormat = 'csv' | 'jsonl' | 'json';
export const OUTPUT_FORMATS: readonly OutputFormat[] = ['csv', 'jsonl', 'json'];

export class PredictionOutput {
  private rows = 0;

  private constructor(
    private readonly fd: number,
    private readonly format: OutputFormat,
  ) {}

  /**
   * Opens `path` (standard output when undefined) for writing. With `resume`, an existing file keeps
   * the images it holds, except the last one, which may have been cut short (so is redone along with
   * a partial last line); their paths come back in `done`. Without it, the file is replaced.
   */
  static open(
    path: string | undefined,
    format: OutputFormat,
    resume: boolean,
  ): { output: PredictionOutput; done: Set<string> } {
    const kept = path !== undefined && resume && existsSync(path) ? keptRows(path, format) : [];
    const output = new PredictionOutput(path === undefined ? 1 : openSync(path, 'w'), format);
    if (format === 'csv') writeSync(output.fd, stringify([], { header: true, columns: [...CSV_COLUMNS] }));
    output.write(kept);
    return { output, done: new Set(kept.map((r) => String(r.path))) };
  }

  /** Writes the rows of one image (or one batch of chips) at once. */
  write(rows: PredictionRow[]): void {
    if (rows.length === 0) return;
    let text: string;
    if (this.format === 'csv') text = stringify(rows.map(csvCells), { columns: [...CSV_COLUMNS] });
    else if (this.format === 'jsonl') text = rows.map((r) => `${JSON.stringify(r)}\n`).join('');
    else text = rows.map((r, i) => `${this.rows + i === 0 ? '[\n' : ',\n'}${JSON.stringify(r)}`).join('');
    writeSync(this.fd, text);
    this.rows += rows.length;
  }

  close(): void {
    if (this.format === 'json') writeSync(this.fd, this.rows === 0 ? '[]\n' : '\n]\n');
    if (this.fd !== 1) closeSync(this.fd);
  }
}

/** The rows of an earlier run's output, without a partial last line and without the last image's rows. */
function keptRows(path: string, format: OutputFormat): PredictionRow[] {
  const text = readFileSync(path, 'utf8');
  const complete = text.slice(0, text.lastIndexOf('\n') + 1);
  let rows: PredictionRow[];
  try {
    if (format === 'csv') {
      if (complete && !complete.startsWith(`${CSV_COLUMNS.join(',')}\n`))
        throw new Error("its first line is not this tool's CSV header");
      rows = (parse(complete, { columns: true }) as Record<string, string>[]).map((r) =>
        fromCsvCells(Object.fromEntries(CSV_COLUMNS.map((c) => [c, r[c] === '' ? null : r[c]])) as PredictionRow),
      );
    } else {
      rows = complete
        .split('\n')
        .filter(Boolean)
        .map((line) => JSON.parse(line) as PredictionRow);
    }
  } catch (e) {
    throw new Error(
      `cannot resume from ${path}: ${e instanceof Error ? e.message : String(e)} (is it a --format ${format} output of npm run predict?)`,
      { cause: e },
    );
  }
  const last = rows.at(-1)?.path;
  while (rows.length > 0 && rows.at(-1)!.path === last) rows.pop();
  return rows;
}
