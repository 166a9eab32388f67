// Face detection on ../shared/data/faces-in-photos, through the CLI as users run it: hand-drawn
// boxes in training.xml (18 faces in four group photos), and dogs.jpg, which has no human face.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { type Box, iou } from '../src/lib/geometry';
import { FACES_IN_PHOTOS as DIR, readAnnotatedFaces } from './annotatedFaces';

const present = existsSync(join(DIR, 'training.xml'));

describe.skipIf(!present)(
  `face detection on ${DIR}${present ? '' : ' (skipped: ../shared/data is not beside the repository)'}`,
  () => {
    it('finds at least 90% of the annotated faces at IoU 0.4, at most one false detection, none on dogs', () => {
      const truth = readAnnotatedFaces();
      const files = [...truth.keys(), 'dogs.jpg'].map((f) => join(DIR, f));
      const result = spawnSync('npx', ['--no-install', 'tsx', 'src/cli/predict.ts', '--format', 'json', ...files], {
        encoding: 'utf8',
        timeout: 300_000,
      });
      expect(result.status, result.stderr).toBe(0);
      const rows = JSON.parse(result.stdout) as ({ path: string; face: number | null } & Box)[];
      let found = 0;
      let annotated = 0;
      let falseDetections = 0;
      for (const file of files) {
        const boxes = truth.get(file.split('/').pop()!) ?? [];
        const detected = rows.filter((r) => r.path === file && r.face !== null);
        annotated += boxes.length;
        found += boxes.filter((b) => detected.some((d) => iou(d, b) >= 0.4)).length;
        falseDetections += detected.filter((d) => !boxes.some((b) => iou(d, b) >= 0.4)).length;
        if (file.endsWith('dogs.jpg')) expect(detected, 'faces found on dogs.jpg').toEqual([]);
      }
      expect(annotated).toBe(18);
      expect(found / annotated).toBeGreaterThanOrEqual(0.9);
      expect(falseDetections).toBeLessThanOrEqual(1);
    }, 300_000);
  },
);
