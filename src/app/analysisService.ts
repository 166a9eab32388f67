// Everything that runs tfjs for the page: the models, the backend they run on, photos, chips, webcam
// frames and saliency maps. It runs in a Web Worker (analysis.worker.ts), so that the page never
// waits on the models, or on the page itself where workers cannot run tfjs (analysisClient.ts).
// Its methods take and return what can be posted between threads: Blobs, ImageBitmaps, plain objects.
import * as tf from '@tensorflow/tfjs';
import { type FaceAnalysis, FaceAnalyzer } from '../lib/analyze';
import { decodeImageFile } from '../lib/browserImage';
import { LiveFaceAnalyzer } from '../lib/live';
import { type AgeGenderEstimate, AgeGenderModel } from '../lib/model';
import { checkedModelFiles, fetchFile, type FileReader } from '../lib/modelFiles';
import { CHIP_SIZE } from '../lib/preprocess';
import { type SaliencyMethod, saliencyMap, type SaliencyTarget } from '../lib/saliency';
import type { TrackedFace } from '../lib/track';
import { initBrowserBackend, msPerFace, whenContextLost } from './backend';

export interface ServiceOptions {
  /** Absolute URLs (a worker resolves relative ones against its own script). */
  modelUrl: string;
  detectorUrl: string;
  /** The backend named by ?backend=, if any. */
  forcedBackend?: string;
  /**
   * model-card.json's bytes, which the page fetched already (its sha256 sums check the model's files); null if the
   * page could not fetch it: the service then fetches it itself, and refuses the model without it.
   */
  modelCard: ArrayBuffer | null;
  /** The small model distilled from the accurate one for live video, loaded when first chosen. */
  fastModelUrl: string;
  /** "auto" picks the fast model for video when the accurate one takes longer than this per face here. */
  fastWhenSlowerThanMs: number;
}

/** Which model estimates the faces of live video; "auto": the fast one where the accurate one is slow. */
export type LiveModelChoice = 'auto' | 'fast' | 'accurate';

export interface LiveFrame {
  /** The faces in view, smoothed, with ids that stay while a face is in view. */
  faces: TrackedFace[];
  model: 'fast' | 'accurate';
  /** Why that model (the choice, or what "auto" measured, or why the fast one could not be used). */
  why: string;
}

export type ServiceStatus =
  | { state: 'loading' }
  /** `note`: why this backend (a forced one, a lost one before it, a WebGPU that disagreed). */
  | { state: 'ready'; backend: string; note?: string }
  | { state: 'error'; message: string };

export interface AnalysedFace extends FaceAnalysis {
  /** The face as the model saw it (aligned like a training chip), as a PNG. */
  aligned: Blob;
}

export interface PhotoAnalysis {
  /** The file's size, in whose pixels the faces' boxes and keypoints are (a photo over 4096 px is searched on a smaller copy). */
  width: number;
  height: number;
  /** Every face found, largest first. */
  faces: AnalysedFace[];
  /** tfjs tensors alive afterwards: flat however many photos are analysed. */
  tensors: number;
}

export interface SaliencyImage {
  /** The map, 0..1, `size` x `size`, row by row (saliency.ts's saliencyMap). */
  values: Float32Array;
  size: number;
  /** tfjs tensors alive afterwards: as many as before it. */
  tensors: number;
}

async function pngOf(image: tf.Tensor3D): Promise<Blob> {
  const pixels = tf.tidy(() => image.clipByValue(0, 255).toInt()) as tf.Tensor3D;
  const rgba = await tf.browser.toPixels(pixels).finally(() => pixels.dispose());
  const canvas = new OffscreenCanvas(image.shape[1], image.shape[0]);
  canvas
    .getContext('2d')!
    .putImageData(new ImageData(rgba as Uint8ClampedArray<ArrayBuffer>, image.shape[1], image.shape[0]), 0, 0);
  return canvas.convertToBlob({ type: 'image/png' });
}

export class AnalysisService {
  private analyzer: Promise<FaceAnalyzer | null> = Promise.resolve(null);
  /** Counts the backends lost so far: work that failed while it changed is done again on the new one. */
  private generation = 0;
  private queue: Promise<unknown> = Promise.resolve();
  private live: { analyzer: FaceAnalyzer; video: number; faces: LiveFaceAnalyzer } | null = null;
  private options: ServiceOptions | null = null;
  /** The fast model's analyzer, loaded for the current backend's analyzer (`base`) when first chosen. */
  private fast: { base: FaceAnalyzer; analyzer: Promise<FaceAnalyzer> } | null = null;
  /** What "auto" measured on the current backend: the accurate model's milliseconds per face. */
  private accurateSpeed: { base: FaceAnalyzer; msPerFace: Promise<number> } | null = null;

  /** Load the models; `onStatus` hears every change (ready, a lost backend being replaced, an error). Resolves once settled. */
  async start(options: ServiceOptions, onStatus: (status: ServiceStatus) => void): Promise<void> {
    this.options = options;
    this.analyzer = this.load(options, onStatus, []);
    await this.analyzer;
  }

  private async load(
    options: ServiceOptions,
    onStatus: (status: ServiceStatus) => void,
    lost: string[],
  ): Promise<FaceAnalyzer | null> {
    const { modelUrl, detectorUrl, forcedBackend, modelCard } = options;
    const cardUrl = new URL('model-card.json', modelUrl).href;
    const read: FileReader = (url) => (url === cardUrl && modelCard ? Promise.resolve(modelCard) : fetchFile(url));
    onStatus({ state: 'loading' });
    try {
      // Read (and checked against their cards' sha256 sums) once, before any backend is tried: a WebGPU backend is
      // checked with the model first, and a file that fails its check stops the page with its message at once.
      const [model, detector] = await Promise.all([
        checkedModelFiles(modelUrl, read).load!(),
        checkedModelFiles(detectorUrl, fetchFile).load!(),
      ]);
      const {
        name,
        note,
        msPerFace: timed,
      } = await initBrowserBackend({
        only: lost.length ? undefined : forcedBackend,
        exclude: lost,
        model,
      });
      const loaded = await FaceAnalyzer.load({ model: tf.io.fromMemory(model), detector: tf.io.fromMemory(detector) });
      // Warmed up before "ready" (a first call compiles the kernels): the detector on an empty frame, the model
      // by timing it (live video's "auto" reads the time), unless choosing the backend timed it already.
      const blank = tf.zeros([CHIP_SIZE, CHIP_SIZE, 3]) as tf.Tensor3D;
      await loaded.analyze(blank).finally(() => blank.dispose());
      this.accurateSpeed = {
        base: loaded,
        msPerFace: timed === undefined ? msPerFace(loaded.model) : Promise.resolve(timed),
      };
      await this.accurateSpeed.msPerFace;
      const lostNote = lost.length
        ? `the ${lost.at(-1)} backend lost its GPU context, so the model was reloaded on ${name}`
        : undefined;
      onStatus({ state: 'ready', backend: name, note: lostNote ?? note });
      whenContextLost(() => {
        this.generation++;
        this.analyzer = this.load(options, onStatus, [...lost, name]);
      });
      return loaded;
    } catch (e) {
      onStatus({
        state: 'error',
        message: `The model could not be loaded: ${e instanceof Error ? e.message : String(e)}`,
      });
      return null;
    }
  }

  /**
   * Run `work` with the analyzer, one piece of work at a time; if the backend was lost meanwhile, once more with
   * the reloaded one.
   */
  private withAnalyzer<T>(work: (a: FaceAnalyzer) => Promise<T>): Promise<T> {
    const done = this.queue.then(() => this.withAnalyzerNow(work));
    this.queue = done.catch(() => undefined);
    return done;
  }

  private async withAnalyzerNow<T>(work: (a: FaceAnalyzer) => Promise<T>): Promise<T> {
    for (let attempt = 0; ; attempt++) {
      const generation = this.generation;
      const ready = await this.analyzer;
      if (!ready) throw new Error('the model failed to load, so nothing can be estimated');
      try {
        const result = await work(ready);
        // A lost context does not always throw: what ran while it was lost is done again on the new backend.
        if (generation === this.generation || attempt > 0) return result;
      } catch (e) {
        if (generation === this.generation || attempt > 0) throw e;
      }
    }
  }

  /** Every face in a photo file (decoded with EXIF orientation, huge ones scaled down), with its aligned image. */
  async analysePhotoFile(file: File): Promise<PhotoAnalysis> {
    // Decoded inside: after a lost backend the retry needs the pixels on the new one.
    const found = await this.withAnalyzer(async (analyzer) => {
      const image = await decodeImageFile(file);
      try {
        let aligned: Blob[] = [];
        const faces = await analyzer.analyzePhoto(image, {}, async (cut) => {
          aligned = await Promise.all(cut.map(pngOf));
        });
        // in the file's pixels, as the photo is shown and the CSV gives its boxes
        return {
          width: image.fileWidth,
          height: image.fileHeight,
          faces: faces.map((f, i) => ({ ...f, aligned: aligned[i] })),
        };
      } finally {
        image.pixels.dispose();
      }
    });
    return { ...found, tensors: tf.memory().numTensors };
  }

  /** Estimate a face chip as it is (no detection): the Dataset page's folder evaluation. Also returns the intervals' nominal coverage. */
  async estimateChip(file: File): Promise<AgeGenderEstimate & { coverage: number }> {
    return this.withAnalyzer(async (analyzer) => {
      const image = await decodeImageFile(file);
      try {
        return {
          ...(await analyzer.model.estimate([image.pixels]))[0],
          coverage: analyzer.model.metadata.calibration.coverage,
        };
      } finally {
        image.pixels.dispose();
      }
    });
  }

  /**
   * The faces in the next frame of video number `video` (live.ts), smoothed, with ids that stay while a
   * face is in view, estimated by the model `choice` names. A new video number (the camera was
   * restarted) or another model starts the tracking afresh. Closes the frame.
   */
  async liveFrame(frame: ImageBitmap, video: number, choice: LiveModelChoice): Promise<LiveFrame> {
    try {
      return await this.withAnalyzer(async (accurate) => {
        const { analyzer, model, why } = await this.liveModel(accurate, choice);
        if (this.live?.analyzer !== analyzer || this.live.video !== video) {
          // anew after a lost backend too
          this.live = { analyzer, video, faces: new LiveFaceAnalyzer(analyzer) };
        }
        const pixels = tf.browser.fromPixels(frame);
        try {
          return { faces: await this.live.faces.next(pixels), model, why };
        } finally {
          pixels.dispose();
        }
      });
    } finally {
      frame.close();
    }
  }

  /**
   * The analyzer for live video on this backend: the model chosen, or for "auto" the fast one if the
   * accurate one is slow here (timed once per backend, when first asked). A fast model that failed to
   * load is not fetched again before the page is reloaded (the service worker serves it offline).
   */
  private async liveModel(
    accurate: FaceAnalyzer,
    choice: LiveModelChoice,
  ): Promise<Pick<LiveFrame, 'model' | 'why'> & { analyzer: FaceAnalyzer }> {
    const { fastModelUrl, fastWhenSlowerThanMs } = this.options!;
    let why = 'chosen';
    if (choice === 'auto') {
      if (this.accurateSpeed?.base !== accurate)
        this.accurateSpeed = { base: accurate, msPerFace: msPerFace(accurate.model) };
      const ms = await this.accurateSpeed.msPerFace;
      why = `auto: the accurate model takes ${ms.toFixed(0)} ms a face here`;
      if (ms <= fastWhenSlowerThanMs) return { analyzer: accurate, model: 'accurate', why };
    }
    if (choice === 'accurate') return { analyzer: accurate, model: 'accurate', why };
    if (this.fast?.base !== accurate) {
      const model = checkedModelFiles(fastModelUrl, fetchFile);
      this.fast = { base: accurate, analyzer: AgeGenderModel.load(model).then((m) => accurate.withModel(m)) };
    }
    try {
      return { analyzer: await this.fast.analyzer, model: 'fast', why };
    } catch (e) {
      return {
        analyzer: accurate,
        model: 'accurate',
        why: `the fast model could not be loaded (${e instanceof Error ? e.message : String(e)})`,
      };
    }
  }

  /**
   * A saliency map of one aligned face (a PNG from analysePhotoFile) for `target` by `method`; `onProgress` hears
   * the passes through the model done of all.
   */
  async explain(
    aligned: Blob,
    target: SaliencyTarget,
    method: SaliencyMethod,
    onProgress?: (done: number, total: number) => void,
  ): Promise<SaliencyImage> {
    return this.withAnalyzer(async (analyzer) => {
      const bitmap = await createImageBitmap(aligned);
      const face = tf.browser.fromPixels(bitmap, 3);
      bitmap.close();
      const values = await saliencyMap(analyzer.model, face, target, method, { onProgress }).finally(() =>
        face.dispose(),
      );
      return { values, size: analyzer.model.metadata.inputSize, tensors: tf.memory().numTensors };
    });
  }
}
