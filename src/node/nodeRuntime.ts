// tfjs in Node (the CLI, the agegender/node package, benchmarks): the WASM backend (the same
// kernels the browser falls back to) and a loader for a model folder on disk.
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { checkedModelFiles } from '../lib/modelFiles';

export async function initBackend(name = 'wasm'): Promise<string> {
  if (!(await tf.setBackend(name))) throw new Error(`tfjs backend ${name} failed to initialise`);
  await tf.ready();
  return tf.getBackend();
}

/** An IOHandler reading model.json and its weight files from disk, each checked against the model card beside them (no card, no model). */
export function modelFromDisk(modelJsonPath: string): tf.io.IOHandler {
  return checkedModelFiles(modelJsonPath, async (path) => {
    if (!existsSync(path)) return null;
    const b = await readFile(path);
    return b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength) as ArrayBuffer;
  });
}
