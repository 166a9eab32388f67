// The hand-drawn face boxes of ../shared/data/faces-in-photos (dlib's imglab XML, training.xml),
// read by the detection test and the hard-faces benchmark.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Box } from '../src/lib/geometry';

export const FACES_IN_PHOTOS = '../shared/data/faces-in-photos';

/** The annotated boxes per image file name. */
export function readAnnotatedFaces(dir = FACES_IN_PHOTOS): Map<string, Box[]> {
  const xml = readFileSync(join(dir, 'training.xml'), 'latin1');
  const boxes = new Map<string, Box[]>();
  for (const [, file, body] of xml.matchAll(/<image file='([^']+)'[^>]*>([\s\S]*?)<\/image>/g)) {
    boxes.set(
      file,
      [...body.matchAll(/top='(\d+)' left='(\d+)' width='(\d+)' height='(\d+)'/g)].map(
        ([, top, left, width, height]) => ({ top: +top, left: +left, width: +width, height: +height }),
      ),
    );
  }
  return boxes;
}
