// The agegender package in Node: tfjs's WASM backend (no native build), the models shipped in the
// package read from disk, and photos as file paths or Buffers, decoded as the CLI decodes them
// (sharp: EXIF orientation, any colour space, at most 4096 px on the longer side).
//
//   import { load } from 'agegender/node';
//   const analyzer = await load();
//   const faces = await analyzer.estimateFaces('group.jpg');  // the CLI's faces, largest first
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { initBackend, modelFromDisk } from '../cli/nodeRuntime';
import { imageTensor, readImage } from '../cli/readImage';
import { type FaceAnalysis, FaceAnalyzer, type FaceInput } from '../lib/analyze';
import type { DetectorOptions } from '../lib/detect';
import { inFilePixels, minFaceDecoded } from '../lib/imageSize';

export { type FaceAnalysis, type FaceInput, modelCard } from '../lib/index';
export type { Box, DetectorOptions, FaceKeypoints, GenderCall, ModelCard, Point } from '../lib/index';
export { ImageReadError } from '../cli/readImage';

export interface NodeLoadOptions {
  /** Which of the package's age/gender models: 'accurate' (default) or 'fast' (for video on slow devices). */
  model?: 'accurate' | 'fast';
  /** Path of the age/gender model.json (checked against the sha256 sums in the model-card.json beside it); default: the package's own, as `model` says. */
  modelPath?: string;
  /** Path of BlazeFace's model.json; default: the package's own. */
  detectorPath?: string;
  /** 'wasm' (default) or 'cpu'. */
  backend?: string;
}

/** A model shipped in the package: public/models/ in the package root, found from this file in dist-lib/ or in src/node/. */
function packagedModel(path: string): string {
  for (let dir = dirname(fileURLToPath(import.meta.url)); ; dir = dirname(dir)) {
    const candidate = join(dir, 'public', 'models', path);
    if (existsSync(candidate)) return candidate;
    if (dirname(dir) === dir)
      throw new Error(`the package's public/models/${path} is missing: pass its path to load()`);
  }
}

export class NodeFaceAnalyzer {
  constructor(readonly analyzer: FaceAnalyzer) {}

  /** Every face in a photo (file path or its bytes) or any estimateFaces() input, largest first. Throws ImageReadError for a file that is not an image. */
  async estimateFaces(
    input: string | Buffer | FaceInput,
    options: Partial<DetectorOptions> = {},
  ): Promise<FaceAnalysis[]> {
    if (typeof input !== 'string' && !Buffer.isBuffer(input)) return this.analyzer.estimateFaces(input, options);
    const img = await readImage(input);
    const image = imageTensor(img);
    try {
      // a photo over 4096 px is searched on a smaller copy: minFace is taken, and the faces given, in the file's pixels
      return inFilePixels(
        await this.analyzer.analyze(image, { ...options, minFace: minFaceDecoded(options.minFace ?? 0, img) }),
        img,
      );
    } finally {
      image.dispose();
    }
  }

  dispose(): void {
    this.analyzer.dispose();
  }
}

export async function load(options: NodeLoadOptions = {}): Promise<NodeFaceAnalyzer> {
  await initBackend(options.backend ?? 'wasm');
  return new NodeFaceAnalyzer(
    await FaceAnalyzer.load({
      model: modelFromDisk(
        options.modelPath ??
          packagedModel(options.model === 'fast' ? 'agegender-fast/model.json' : 'agegender/model.json'),
      ),
      detector: modelFromDisk(options.detectorPath ?? packagedModel('blazeface/blazeface-front.json')),
    }),
  );
}
