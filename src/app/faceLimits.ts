// The limits that apply to one face, in one plain line on its card: where the model is known to be
// weaker, with the figures of its card's tests (never typed numbers), so a reader knows how far to
// trust this estimate.
import type { Box } from '../lib/geometry';
import { ageBand } from '../lib/metrics';
import type { ModelCard } from '../lib/modelCard';
import { percent } from './modelSummary';

/** Faces narrower than this (in the photo's pixels) give the model little detail: it sees 160 x 160. */
const SMALL_FACE_PX = 64;
/** Estimated ages below this (as the card shows them, whole years) read as a child's. */
const CHILD_AGE = 13;

/**
 * Short phrases, most general first: photos from the web (the card's FairFace test part), a child (its age band's
 * gender accuracy), the old-scan look, a small face. `card`: the model's card; without it, the phrases
 * have no figures.
 */
export function faceLimits(face: { age: number; box: Box; oldScan: boolean }, card: ModelCard | null): string[] {
  const limits: string[] = [];
  // of the faces found in FairFace's test part: this face was found
  const wild = card?.real_photos?.out_of_fold.fairface?.gender.all.accuracy;
  if (wild !== undefined)
    limits.push(`on photos from the web, gender is right for ${percent(wild)} of faces in our tests`);
  if (Math.round(face.age) < CHILD_AGE) {
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
