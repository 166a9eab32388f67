// agegender/node from source: load() picks the package's models by name, as the browser entry does.
import { resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { load, type NodeFaceAnalyzer } from './index';

const PHOTO = resolve('e2e/fixtures/photos/group-of-three.jpg');

describe('agegender/node load()', () => {
  const opened: NodeFaceAnalyzer[] = [];
  const ages = async (options: Parameters<typeof load>[0]): Promise<number[]> => {
    const analyzer = await load(options);
    opened.push(analyzer);
    return (await analyzer.estimateFaces(PHOTO)).map((f) => f.age);
  };
  afterAll(() => opened.forEach((a) => a.dispose()));

  it("takes the fast model with { model: 'fast' }, the same as naming its path", async () => {
    const fast = await ages({ model: 'fast' });
    expect(fast).toHaveLength(3);
    expect(fast).toEqual(await ages({ modelPath: 'public/models/agegender-fast/model.json' }));
    expect(fast).not.toEqual(await ages({})); // the accurate model answers differently
  }, 120_000);
});
