// Load a model folder (model.json, its weight files, and model-card.json beside them) through any
// reader, the browser's fetch or the CLI's disk, checking every file against the sha256 sums the
// model card records (size.sha256): a corrupted or truncated download is a clear error, never
// wrong ages. A folder without a card (BlazeFace's) is loaded unchecked.
import * as tf from '@tensorflow/tfjs';

/** The bytes at `location`, or null if there is nothing there. */
export type FileReader = (location: string) => Promise<ArrayBuffer | null>;

// a URL or a disk path (backslashes on Windows)
const sibling = (location: string, name: string): string =>
  location.slice(0, Math.max(location.lastIndexOf('/'), location.lastIndexOf('\\')) + 1) + name;
const text = (bytes: ArrayBuffer): string => new TextDecoder().decode(bytes);

async function sha256(bytes: ArrayBuffer): Promise<string> {
  const digest = await crypto.subtle.digest('SHA-256', bytes);
  return [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, '0')).join('');
}

export function checkedModelFiles(modelJson: string, read: FileReader): tf.io.IOHandler {
  const must = async (location: string): Promise<ArrayBuffer> => {
    const bytes = await read(location);
    if (!bytes) throw new Error(`${location} is missing`);
    return bytes;
  };
  return {
    load: async () => {
      const card = await read(sibling(modelJson, 'model-card.json'));
      const sums = card
        ? ((JSON.parse(text(card)) as { size?: { sha256?: Record<string, string> } }).size?.sha256 ?? {})
        : {};
      const checked = async (name: string): Promise<ArrayBuffer> => {
        const bytes = await must(sibling(modelJson, name));
        if (sums[name] !== undefined && (await sha256(bytes)) !== sums[name]) {
          throw new Error(
            `${sibling(modelJson, name)} does not match the sha256 in model-card.json: the file is corrupted or incomplete ` +
              '(copy or download the model folder again)',
          );
        }
        return bytes;
      };
      const json = JSON.parse(text(await checked(modelJson.slice(modelJson.lastIndexOf('/') + 1)))) as tf.io.ModelJSON;
      return tf.io.getModelArtifactsForJSON(json, async (manifest) => [
        manifest.flatMap((group) => group.weights),
        tf.io.CompositeArrayBuffer.join(await Promise.all(manifest.flatMap((group) => group.paths).map(checked))),
      ]);
    },
  };
}

/** The browser's reader: a same-origin fetch (the service worker serves it offline). */
export const fetchFile: FileReader = async (url) => {
  const response = await fetch(url);
  return response.ok ? response.arrayBuffer() : null;
};
