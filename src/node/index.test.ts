// agegender/node from source: load() picks the package's models by name, as the browser entry does.
import { resolve } from 'node:path';
import sharp from 'sharp';
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

  it('gives the faces of a photo over 4096 px in its own pixels', async () => {
    const analyzer = await load({});
    opened.push(analyzer);
    const { width = 0 } = await sharp(PHOTO).metadata();
    const big = await sharp(PHOTO)
      .resize({ width: 9 * width })
      .jpeg({ quality: 95 })
      .toBuffer(); // read at 4,096 px
    const [small, large] = [await analyzer.estimateFaces(PHOTO), await analyzer.estimateFaces(big)];
    expect(large).toHaveLength(small.length);
    large.forEach((f, i) => {
      expect(Math.abs(f.box.left / 9 - small[i].box.left)).toBeLessThan(0.04 * small[i].box.width);
      expect(Math.abs(f.keypoints.nose[1] / 9 - small[i].keypoints.nose[1])).toBeLessThan(0.04 * small[i].box.width);
    });
  }, 120_000);
});
