// --jobs N: N worker threads, each with its own ImagePredictor (tfjs WASM runs on one core per thread).
import { Worker } from 'node:worker_threads';
import type { PredictionRow } from '../lib/predictionRow';
import type { PredictorConfig } from './imagePredictor';
import type { WorkerReply } from './predictWorker';

// Built (dist-lib/cli.js, the package's bin) the worker is dist-lib/predictWorker.js; run from source by tsx,
// predictWorker.mjs registers tsx in the thread first.
const WORKER = new URL(import.meta.url.endsWith('.ts') ? './predictWorker.mjs' : './predictWorker.js', import.meta.url);

export class PredictorPool {
  private constructor(
    private readonly idle: Worker[],
    private readonly workers: Worker[],
    readonly backend: string,
  ) {}

  static async load(cfg: PredictorConfig, jobs: number): Promise<PredictorPool> {
    const workers = Array.from({ length: jobs }, () => new Worker(WORKER, { workerData: cfg }));
    try {
      const backends = await Promise.all(
        workers.map((w) =>
          reply(w).then((r) => {
            if ('ready' in r) return r.ready;
            throw new Error('failed' in r ? r.failed : 'unexpected reply');
          }),
        ),
      );
      return new PredictorPool([...workers], workers, backends[0]);
    } catch (e) {
      await Promise.all(workers.map((w) => w.terminate()));
      throw e;
    }
  }

  /** The rows of `paths` from an idle worker; the caller has at most `jobs` batches in flight. */
  async predict(paths: string[]): Promise<PredictionRow[]> {
    const worker = this.idle.pop();
    if (!worker) throw new Error('every worker is busy');
    try {
      const answer = reply(worker);
      worker.postMessage(paths);
      const r = await answer;
      if ('rows' in r) return r.rows;
      throw new Error(`worker failed on ${paths.join(', ')}: ${'failed' in r ? r.failed : 'unexpected reply'}`);
    } finally {
      this.idle.push(worker);
    }
  }

  async dispose(): Promise<void> {
    await Promise.all(this.workers.map((w) => w.terminate()));
  }
}

function reply(worker: Worker): Promise<WorkerReply> {
  return new Promise((resolve, reject) => {
    const onMessage = (r: WorkerReply): void => {
      worker.off('error', onError);
      resolve(r);
    };
    const onError = (e: Error): void => {
      worker.off('message', onMessage);
      reject(e);
    };
    worker.once('message', onMessage);
    worker.once('error', onError);
  });
}
