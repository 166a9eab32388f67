// One --jobs worker thread: its own tfjs WASM backend and models, predicting the batches it is sent.
import { parentPort, workerData } from 'node:worker_threads';
import type { PredictionRow } from '../lib/predictionRow';
import { ImagePredictor, type PredictorConfig } from './imagePredictor';

export type WorkerReply = { ready: string } | { rows: PredictionRow[] } | { failed: string };

const port = parentPort!;
ImagePredictor.load(workerData as PredictorConfig).then(
  (predictor) => {
    port.postMessage({ ready: predictor.backend } satisfies WorkerReply);
    port.on('message', (paths: string[]) => {
      predictor.predict(paths).then(
        (rows) => port.postMessage({ rows } satisfies WorkerReply),
        (e: unknown) => port.postMessage({ failed: e instanceof Error ? e.message : String(e) } satisfies WorkerReply),
      );
    });
  },
  (e: unknown) => port.postMessage({ failed: e instanceof Error ? e.message : String(e) } satisfies WorkerReply),
);
