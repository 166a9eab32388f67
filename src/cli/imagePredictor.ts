// ImagePredictor: image files in, prediction rows out, as the CLI makes them. One runs in the CLI's
// own thread, or one in each worker thread of predictWorker.ts (--jobs).
import * as tf from '@tensorflow/tfjs';
import { type FaceAnalysis, FaceAnalyzer } from '../lib/analyze';
import { ImageReadError } from '../lib/imageSize';
import { AgeGenderModel } from '../lib/model';
import { chipRow, emptyRow, photoRows, type PredictionRow } from '../lib/predictionRow';
import { drawFaces } from './drawFaces';
import { initBackend, modelFromDisk } from '../node/nodeRuntime';
import { type DecodedFile, toDecodedPhoto, imageTensor, readImage } from '../node/readImage';

export interface PredictorConfig {
  /** Each image is one aligned face chip (no detection). */
  crop: boolean;
  minFace: number;
  maxFaces: number;
  /** Folder for copies of the photos with their faces drawn. */
  draw: string | undefined;
  model: string;
  detector: string;
  backend: string;
}

async function decode(path: string): Promise<{ img: DecodedFile } | { error: string }> {
  return readImage(path).then(
    (img) => ({ img }),
    (e: unknown) => ({
      error: e instanceof ImageReadError ? e.message : `cannot read: ${e instanceof Error ? e.message : String(e)}`,
    }),
  );
}

export class ImagePredictor {
  private constructor(
    private readonly cfg: PredictorConfig,
    readonly backend: string,
    private readonly model: AgeGenderModel,
    private readonly analyzer: FaceAnalyzer | undefined,
  ) {}

  static async load(cfg: PredictorConfig): Promise<ImagePredictor> {
    const backend = await initBackend(cfg.backend);
    const analyzer = cfg.crop
      ? undefined
      : await FaceAnalyzer.load({ model: modelFromDisk(cfg.model), detector: modelFromDisk(cfg.detector) });
    return new ImagePredictor(
      cfg,
      backend,
      analyzer?.model ?? (await AgeGenderModel.load(modelFromDisk(cfg.model))),
      analyzer,
    );
  }

  /** The rows of `paths`, in their order: chips go through the model as one batch, photos one by one. */
  async predict(paths: string[]): Promise<PredictionRow[]> {
    if (this.cfg.crop) return this.predictChips(paths);
    const rows: PredictionRow[] = [];
    for (const path of paths) rows.push(...(await this.predictPhoto(path)));
    return rows;
  }

  dispose(): void {
    (this.analyzer ?? this.model).dispose();
  }

  private async predictChips(paths: string[]): Promise<PredictionRow[]> {
    const decoded = await Promise.all(paths.map(decode));
    const ok = decoded.flatMap((d, i) => ('img' in d ? [{ i, img: d.img }] : []));
    const faces = ok.map(({ img }) => imageTensor(img));
    try {
      const estimates = await this.model.estimate(faces);
      const rows: PredictionRow[] = decoded.map((d, i) => emptyRow(paths[i], 'error' in d ? d.error : null));
      ok.forEach(({ i, img }, k) => {
        rows[i] = chipRow(paths[i], img.width, img.height, estimates[k]);
      });
      return rows;
    } finally {
      tf.dispose(faces);
    }
  }

  private async predictPhoto(path: string): Promise<PredictionRow[]> {
    const decoded = await decode(path);
    if ('error' in decoded) return [emptyRow(path, decoded.error)];
    const { img } = decoded;
    // a photo that fails past decoding (the backend out of memory, its copy not written) is its own error row, not the run's end
    const failed = (what: string, e: unknown): PredictionRow[] => [
      emptyRow(path, `${what}: ${e instanceof Error ? e.message : String(e)}`.replace(/\s+/g, ' ')),
    ];
    const photo = toDecodedPhoto(img);
    let faces: FaceAnalysis[];
    try {
      faces = await this.analyzer!.analyzePhoto(photo, { minFace: this.cfg.minFace, maxFaces: this.cfg.maxFaces });
    } catch (e) {
      return failed('cannot analyse', e);
    } finally {
      photo.pixels.dispose();
    }
    if (this.cfg.draw) {
      try {
        await drawFaces(img, faces, path, this.cfg.draw);
      } catch (e) {
        return failed('cannot draw its copy', e);
      }
    }
    return photoRows(path, faces);
  }
}
