// tfjs in Node for the CLI: the WASM backend (the same kernels the browser falls back to) and a
// loader for a model folder on disk.
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';

export async function initBackend(name = 'wasm'): Promise<string> {
  if (!(await tf.setBackend(name))) throw new Error(`tfjs backend ${name} failed to initialise`);
  await tf.ready();
  return tf.getBackend();
}

/**
 * The model card beside model.json records each file's sha256 (size.sha256): a corrupted or
 * truncated download is a clear error here, never wrong ages. A folder without a card (BlazeFace's)
 * is not checked.
 */
async function checkAgainstModelCard(modelJsonPath: string): Promise<void> {
  const cardPath = join(dirname(modelJsonPath), 'model-card.json');
  if (!existsSync(cardPath)) return;
  const card = JSON.parse(await readFile(cardPath, 'utf8')) as { size?: { sha256?: Record<string, string> } };
  for (const [name, expected] of Object.entries(card.size?.sha256 ?? {})) {
    const actual = createHash('sha256').update(await readFile(join(dirname(modelJsonPath), name))).digest('hex');
    if (actual !== expected) {
      throw new Error(`${join(dirname(modelJsonPath), name)} does not match the sha256 in model-card.json: the file is corrupted or `
        + 'incomplete (copy or download the model folder again)');
    }
  }
}

/** An IOHandler reading model.json and its weight files from disk, checked against the model card's sums. */
export function modelFromDisk(modelJsonPath: string): tf.io.IOHandler {
  return {
    load: async () => {
      await checkAgainstModelCard(modelJsonPath);
      const json = JSON.parse(await readFile(modelJsonPath, 'utf8')) as tf.io.ModelJSON;
      return tf.io.getModelArtifactsForJSON(json, async (manifest) => {
        const specs = manifest.flatMap((group) => group.weights);
        const buffers = await Promise.all(manifest.flatMap((group) => group.paths).map(async (p) => {
          const b = await readFile(join(dirname(modelJsonPath), p));
          return b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength) as ArrayBuffer;
        }));
        return [specs, tf.io.CompositeArrayBuffer.join(buffers)];
      });
    },
  };
}
