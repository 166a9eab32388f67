// The agegender package in Node: tfjs's WASM backend (no native build), the models shipped in the
// package read from disk, and photos as file paths or Buffers, decoded as the CLI decodes them
// (sharp: EXIF orientation, any colour space, at most 4096 px on the longer side).
//
//   import { load } from 'agegender/node';
//   const analyzer = await load();
//   const faces = await analyzer.estimateFaces('group.jpg');  // the CLI's faces, largest first
import { readFile } from 'node:fs/promises';
import { type FaceAnalysis, FaceAnalyzer, type FaceInput } from '../lib/analyze';
import type { DetectorOptions } from '../lib/detect';
import type { ModelCard } from '../lib/modelCard';
import { DEFAULT_MODEL, type ModelName, modelFile } from '../lib/modelRegistry';
import { initBackend, modelFromDisk } from './nodeRuntime';
import { packagedModel } from './packagedModels';
import { toDecodedPhoto, readImage } from './readImage';

export { type FaceAnalysis, type FaceInput } from '../lib/index';
export type { Box, DetectorOptions, FaceKeypoints, GenderCall, ModelCard, ModelName, Point } from '../lib/index';
export { ImageReadError } from '../lib/imageSize';
export { ModelIntegrityError } from '../lib/modelFiles';

export interface NodeLoadOptions {
  /** Which of the package's age/gender models: 'accurate' (default) or 'fast' (for video on slow devices). */
  model?: ModelName;
  /** Path of the age/gender model.json (checked against the sha256 sums in the model-card.json beside it); default: the package's own, as `model` says. */
  modelPath?: string;
  /** Path of BlazeFace's model.json (checked against the sha256 sums in the model-card.json beside it); default: the package's own. */
  detectorPath?: string;
  /** 'wasm' (default) or 'cpu'. */
  backend?: string;
}

/** A model card of the package (the accurate model's unless `model` says 'fast'), or the one at `path`. */
export async function loadModelCard(options: { model?: ModelName; path?: string } = {}): Promise<ModelCard> {
  const path = options.path ?? packagedModel(modelFile(options.model ?? DEFAULT_MODEL, 'card'));
  return JSON.parse(await readFile(path, 'utf8')) as ModelCard;
}

export class NodeFaceAnalyzer {
  constructor(readonly analyzer: FaceAnalyzer) {}

  /** Every face in a photo (file path or its bytes) or any estimateFaces() input, largest first. Throws ImageReadError for a file that is not an image. */
  async estimateFaces(
    input: string | Buffer | FaceInput,
    options: Partial<DetectorOptions> = {},
  ): Promise<FaceAnalysis[]> {
    if (typeof input !== 'string' && !Buffer.isBuffer(input)) return this.analyzer.estimateFaces(input, options);
    const photo = toDecodedPhoto(await readImage(input));
    try {
      return await this.analyzer.analyzePhoto(photo, options);
    } finally {
      photo.pixels.dispose();
    }
  }

  dispose(): void {
    this.analyzer.dispose();
  }
}

/** Load both models; a model folder whose files its card does not vouch for rejects with a ModelIntegrityError. */
export async function load(options: NodeLoadOptions = {}): Promise<NodeFaceAnalyzer> {
  await initBackend(options.backend ?? 'wasm');
  return new NodeFaceAnalyzer(
    await FaceAnalyzer.load({
      model: modelFromDisk(options.modelPath ?? packagedModel(modelFile(options.model ?? DEFAULT_MODEL))),
      detector: modelFromDisk(options.detectorPath ?? packagedModel(modelFile('detector'))),
    }),
  );
}
