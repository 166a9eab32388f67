// Runs a browser bundle of examples/bundler/main.js in Node, for bundlers.test.ts:
//   node runBrowserBundle.mjs BUNDLE.js RGBA_FILE WIDTH HEIGHT [MODELS_URL]
// prints the faces it finds in the RGBA pixels as one line of JSON. fetch reads file: URLs, where the
// bundler put the model files; tfjs (its browser build) is made to take Node for a web worker.
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';

const [bundle, rgba, width, height, modelsUrl] = process.argv.slice(2);
const { stdout } = process;
const realFetch = globalThis.fetch;
globalThis.fetch = async (url) => {
  const href = String(url);
  if (!href.startsWith('file:')) return realFetch(href); // data: URLs too
  const path = fileURLToPath(href);
  return existsSync(path) ? new Response(readFileSync(path)) : new Response(null, { status: 404 });
};
globalThis.WorkerGlobalScope = class {};
globalThis.self = globalThis;
Object.defineProperty(globalThis, 'process', { value: undefined, configurable: true, writable: true });

await import(pathToFileURL(bundle).href);
const image = { data: new Uint8Array(readFileSync(rgba)), width: Number(width), height: Number(height) };
const faces = await globalThis.agegenderExample.facesIn(image, { backend: 'cpu', ...(modelsUrl ? { modelsUrl } : {}) });
stdout.write(`${JSON.stringify(faces)}\n`);
