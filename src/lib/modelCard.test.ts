import { describe, expect, it } from 'vitest';
import { type ModelCard, trainingSources } from './modelCard';

const card = (training: Partial<ModelCard['training']>): ModelCard =>
  ({ training: { command: 'train', seed: 1234, history: [], ...training } }) as unknown as ModelCard;

describe('trainingSources', () => {
  it('names each model a run read by path and content, since paths get reused', () => {
    const got = trainingSources(
      card({
        distilled_from: 'a/model.json,b/model.json',
        sources: {
          init_from: { 'a/model.json': '0123456789abcdef', 'a/weights.bin': 'ffff' },
          teachers: [
            { 'a/model.json': '0123456789abcdef', 'a/weights.bin': 'ffff' },
            { 'b/model.json': 'fedcba9876543210' },
          ],
        },
      }),
    );
    expect(got).toEqual({
      startedFrom: 'a/model.json (sha256 0123456789ab)',
      teachers: ['a/model.json (sha256 0123456789ab)', 'b/model.json (sha256 fedcba987654)'],
    });
  });

  it("falls back to the teachers' paths for cards written before sources were recorded", () => {
    expect(trainingSources(card({ distilled_from: 'a/model.json, b/model.json' }))).toEqual({
      startedFrom: null,
      teachers: ['a/model.json', 'b/model.json'],
    });
    expect(trainingSources(card({ distilled_from: null }))).toEqual({ startedFrom: null, teachers: [] });
  });
});
