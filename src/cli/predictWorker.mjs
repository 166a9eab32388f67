// The --jobs worker thread's entry. Worker threads do not inherit the tsx loader that runs the CLI
// (Node 20), so register it here, then run the TypeScript worker.
import { register } from 'tsx/esm/api';

register();
await import('./predictWorker.ts');
