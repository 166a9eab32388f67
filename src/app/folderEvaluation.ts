// Evaluate the model in the browser on a folder of UTKFace-style chips the user picks: labels come
// from the file names, every face goes through the model as an aligned chip, metrics as in the card.
import { writable } from 'svelte/store';
import { evaluationReport, type EvaluationReport, type ScoredFace } from '../lib/metrics';
import { parseUtkFaceName } from '../lib/utkface';
import { analysis } from './state';

export type FolderEvaluation =
  | { state: 'idle' }
  | { state: 'running'; done: number; total: number }
  | { state: 'done'; report: EvaluationReport; skipped: string[]; coverageTarget: number }
  | { state: 'error'; message: string; skipped: string[] };

export const folderEvaluation = writable<FolderEvaluation>({ state: 'idle' });

export async function evaluateFolder(files: File[]): Promise<void> {
  const images = files.filter((f) => /\.(jpe?g|png|webp)$/i.test(f.name));
  const skipped: string[] = [];
  const labelled = images.flatMap((file) => {
    const truth = parseUtkFaceName(file.name);
    if (truth instanceof Error) {
      skipped.push(`${file.name}: ${truth.message}`);
      return [];
    }
    return [{ file, truth }];
  });
  if (labelled.length === 0) {
    folderEvaluation.set({
      state: 'error',
      message: `no file in the folder is named like a UTKFace face (age_gender_race_date.jpg), out of ${files.length} files`,
      skipped,
    });
    return;
  }
  const service = await analysis();
  const scored: ScoredFace[] = [];
  let coverageTarget = 0; // the nominal coverage of the intervals, from the model that made them
  folderEvaluation.set({ state: 'running', done: 0, total: labelled.length });
  for (const [i, { file, truth }] of labelled.entries()) {
    try {
      const e = await service.estimateChip(file);
      coverageTarget = e.coverage;
      scored.push({ truth, age: e.age, ageLow: e.ageLow, ageHigh: e.ageHigh, femaleProbability: e.femaleProbability });
    } catch (e) {
      skipped.push(`${file.name}: ${e instanceof Error ? e.message : String(e)}`);
    }
    folderEvaluation.set({ state: 'running', done: i + 1, total: labelled.length });
  }
  folderEvaluation.set(
    scored.length > 0
      ? { state: 'done', report: evaluationReport(scored), skipped, coverageTarget }
      : { state: 'error', message: 'none of the faces could be read', skipped },
  );
}
