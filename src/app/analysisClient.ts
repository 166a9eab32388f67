// The page's handle on the analysis service (analysisService.ts): in a Web Worker where the browser
// can run tfjs there (module workers and OffscreenCanvas), else on the page itself, or there when
// the page is opened with ?worker=off. Either way the same calls, all asynchronous.
import { proxy, transfer, wrap } from 'comlink';
import type { AnalysisService, ServiceOptions, ServiceStatus } from './analysisService';

/** The service's calls as the page makes them. */
export type Analysis = {
  [K in keyof AnalysisService]: AnalysisService[K] extends (...args: infer A) => infer R
    ? (...args: A) => Promise<Awaited<R>>
    : never;
};

export interface StartedAnalysis {
  service: Analysis;
  /** Where tfjs runs, and why there. */
  thread: 'worker' | 'page';
  threadNote?: string;
}

function workerAnalysis(worker: Worker): Analysis {
  const remote = wrap<AnalysisService>(worker);
  return {
    start: (options, onStatus) => remote.start(options, proxy(onStatus)),
    analysePhotoFile: (file) => remote.analysePhotoFile(file),
    estimateChip: (file) => remote.estimateChip(file),
    liveFrame: (frame, video, choice) => remote.liveFrame(transfer(frame, [frame]), video, choice), // handed over, not copied
    explain: (aligned, target, method, onProgress) =>
      remote.explain(aligned, target, method, onProgress && proxy(onProgress)),
  };
}

async function startOnPage(
  options: ServiceOptions,
  onStatus: (status: ServiceStatus) => void,
  why: string,
): Promise<StartedAnalysis> {
  const { AnalysisService } = await import('./analysisService');
  const service = new AnalysisService();
  await service.start(options, onStatus);
  return { service, thread: 'page', threadNote: why };
}

/** Start the service and load the models in it; `onStatus` hears the model's state. */
export async function startAnalysis(
  options: ServiceOptions,
  onStatus: (status: ServiceStatus) => void,
): Promise<StartedAnalysis> {
  const offered = typeof Worker !== 'undefined' && typeof OffscreenCanvas !== 'undefined';
  const wanted = new URLSearchParams(location.search).get('worker') !== 'off';
  if (!offered || !wanted)
    return startOnPage(
      options,
      onStatus,
      wanted ? 'this browser cannot run tfjs in a worker (no OffscreenCanvas)' : 'chosen by ?worker=off',
    );
  const worker = new Worker(new URL('./analysis.worker.ts', import.meta.url), {
    type: 'module',
    name: 'agegender-analysis',
  });
  // A worker script that cannot run (no module workers) says so only through this event.
  const failed = new Promise<string>((resolve) =>
    worker.addEventListener('error', (e) => resolve(e.message || 'the worker did not start'), { once: true }),
  );
  const service = workerAnalysis(worker);
  const outcome = await Promise.race([service.start(options, onStatus).then(() => null), failed]);
  if (outcome === null) return { service, thread: 'worker' };
  worker.terminate();
  return startOnPage(options, onStatus, `the worker failed (${outcome})`);
}
