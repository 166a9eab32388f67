// The limits that apply to one face, in one plain line on its card: where the model is known to be
// weaker, with the figures of its card's tests (never typed numbers), so a reader knows how far to
// trust this estimate.
import type { Box } from '../lib/geometry';
import { ageBand } from '../lib/metrics';
import type { ModelCard } from '../lib/modelCard';

/** Faces narrower than this (in the photo's pixels) give the model little detail: it sees 160 x 160. */
export const SMALL_FACE_PX = 64;
/** Estimated ages below this read as a child's. */
export const CHILD_AGE = 13;

const percent = (p: number): string => `${Math.round(p * 100)}%`;

/**
 * Short phrases, most general first: everyday photos (the card's wild-photo test), a child (its age band's
 * gender accuracy), the old-scan look, a small face. `card`: the model's card; without it, the phrases
 * have no figures.
 */
export function faceLimits(face: { age: number; box: Box; oldScan: boolean }, card: ModelCard | null): string[] {
  const limits: string[] = [];
  const wild = card?.real_photos?.out_of_fold.fairface?.gender_with_misses;
  if (wild !== undefined) limits.push(`on everyday photos gender is right ${percent(wild)} of the time in our tests`);
  if (face.age < CHILD_AGE) {
    const band = ageBand(Math.max(0, Math.round(face.age)));
    const m = card?.metrics.test?.by_age_band[band];
    limits.push(
      m ? `a child: gender right ${percent(m.gender_accuracy)} at ${band} years` : 'a child: gender is harder to tell',
    );
  }
  if (face.oldScan)
    limits.push('looks like an old scanned print, so its interval is the wider one fitted on old scans');
  if (face.box.width < SMALL_FACE_PX) limits.push(`a small face (${Math.round(face.box.width)} px): little detail`);
  return limits;
}
