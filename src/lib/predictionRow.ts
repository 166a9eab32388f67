// The prediction table people get from the CLI and from the app's CSV export: one row per face.
import type { FaceAnalysis } from './analyze';
import type { AgeGenderEstimate } from './model';

export const CSV_COLUMNS = [
  'path',
  'face',
  'left',
  'top',
  'width',
  'height',
  'score',
  'age',
  'age_low',
  'age_high',
  'gender',
  'female_probability',
  'old_scan',
  'error',
  'status',
] as const;

/** A row's status: a face estimated, a photo in which none was found, or a file that could not be analysed (see error). */
export type RowStatus = 'face' | 'no face found' | 'error';

export type PredictionRow = Record<(typeof CSV_COLUMNS)[number], string | number | null>;

const round = (x: number, digits: number): number => Number(x.toFixed(digits));

function estimateFields(
  e: AgeGenderEstimate,
): Pick<PredictionRow, 'age' | 'age_low' | 'age_high' | 'gender' | 'female_probability' | 'old_scan'> {
  // old_scan 1: the face looks like an old scanned print, unlike the training faces (its interval is calibrated on scans)
  return {
    age: round(e.age, 1),
    age_low: round(e.ageLow, 1),
    age_high: round(e.ageHigh, 1),
    gender: e.gender,
    female_probability: round(e.femaleProbability, 4),
    old_scan: Number(e.oldScan),
  };
}

/** An image read as one aligned face chip (--crop): face 1, the whole image as its box, no detection score. */
export function chipRow(path: string, width: number, height: number, e: AgeGenderEstimate): PredictionRow {
  return {
    path,
    face: 1,
    left: 0,
    top: 0,
    width,
    height,
    score: null,
    ...estimateFields(e),
    error: null,
    status: 'face',
  };
}

/** One row per face found in a photo, in the order given (largest first); one empty row when there is none. */
export function photoRows(path: string, faces: FaceAnalysis[]): PredictionRow[] {
  if (faces.length === 0) return [emptyRow(path, null)];
  return faces.map((f, i) => ({
    path,
    face: i + 1,
    left: round(f.box.left, 1),
    top: round(f.box.top, 1),
    width: round(f.box.width, 1),
    height: round(f.box.height, 1),
    score: round(f.score, 4),
    ...estimateFields(f),
    error: null,
    status: 'face',
  }));
}

// A spreadsheet opening the CSV reads a cell that starts with one of these as a formula (a photo named
// `=HYPERLINK(...).jpg` would run one): such a cell gets a ' first, as OWASP advises for CSV injection.
const FORMULA_START = /^[=+\-@\t\r]/;
// A cell that would read as escaped once its first ' is dropped is escaped too, so that unescapeFormula
// gives back every text exactly (--resume matches the paths it reads back with the files on disk).
const needsEscape = (text: string): boolean =>
  FORMULA_START.test(text) || (text.startsWith("'") && needsEscape(text.slice(1)));

/** `text` as a CSV cell a spreadsheet shows as text, never runs as a formula. */
export function escapeFormula(text: string): string {
  return needsEscape(text) ? `'${text}` : text;
}

/** The text that escapeFormula turned into `cell`. */
export function unescapeFormula(cell: string): string {
  return cell.startsWith("'") && needsEscape(cell.slice(1)) ? cell.slice(1) : cell;
}

// the cells whose text comes from outside (file names, decoders' messages); the others are numbers or our own words
const TEXT_COLUMNS = ['path', 'error'] as const;

/**
 * A row as the page's and the CLI's CSV write it: its path and error escaped against formulas (escapeFormula),
 * every other cell as it is, so that numbers (a box's left at -3) stay numbers.
 */
export function csvCells(row: PredictionRow): PredictionRow {
  const cells = { ...row };
  for (const c of TEXT_COLUMNS) if (typeof cells[c] === 'string') cells[c] = escapeFormula(cells[c]);
  return cells;
}

/** A row read back from such a CSV: csvCells undone. */
export function fromCsvCells(cells: PredictionRow): PredictionRow {
  const row = { ...cells };
  for (const c of TEXT_COLUMNS) if (typeof row[c] === 'string') row[c] = unescapeFormula(row[c]);
  return row;
}

/** A row with only the path, the error if any, and its status: a file that failed, or an image without a face. */
export function emptyRow(path: string, error: string | null): PredictionRow {
  const status: RowStatus = error === null ? 'no face found' : 'error';
  const cells: Partial<Record<string, string | null>> = { path, error, status };
  return Object.fromEntries(CSV_COLUMNS.map((c) => [c, cells[c] ?? null])) as PredictionRow;
}
