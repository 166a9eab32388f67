// Load a model folder (model.json, its weight files, and model-card.json beside them) through any
// reader, the browser's fetch or the CLI's disk, checking every file against the sha256 sums the
// model card records (size.sha256). It fails closed: a missing or unreadable card, a file the card
// has no sum for, or a file that does not match its sum is an error saying which file, never a
// model loaded unchecked (a corrupted or truncated download would give wrong ages, not an error).
import * as tf from '@tensorflow/tfjs';

/** The bytes at `location`, or null if there is nothing there. */
export type FileReader = (location: string) => Promise<ArrayBuffer | null>;

/** A model folder refused: a file or its card missing or unreadable, or a file that is not the one its card records. */
export class ModelIntegrityError extends Error {
  override name = 'ModelIntegrityError';
}

const AGAIN = 'copy or download the whole model folder again';

// a URL or a disk path (backslashes on Windows)
const folderEnd = (location: string): number => Math.max(location.lastIndexOf('/'), location.lastIndexOf('\\')) + 1;
const sibling = (location: string, name: string): string => location.slice(0, folderEnd(location)) + name;
const text = (bytes: ArrayBuffer): string => new TextDecoder().decode(bytes);
const why = (e: unknown): string => (e instanceof Error ? e.message : String(e));

async function sha256(bytes: ArrayBuffer): Promise<string> {
  const digest = await crypto.subtle.digest('SHA-256', bytes);
  return [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, '0')).join('');
}

/** The card's sums (file name -> hex sha256); refused with the reason if the card is missing or unreadable. */
async function cardSums(cardLocation: string, read: FileReader): Promise<Record<string, unknown>> {
  const refuse = (problem: string): ModelIntegrityError =>
    new ModelIntegrityError(`${cardLocation} ${problem}: the model's files cannot be checked; ${AGAIN}`);
  let bytes: ArrayBuffer | null;
  try {
    bytes = await read(cardLocation);
  } catch (e) {
    throw refuse(`could not be read (${why(e)})`);
  }
  if (!bytes) throw refuse('is missing');
  let card: unknown;
  try {
    card = JSON.parse(text(bytes));
  } catch (e) {
    throw refuse(`is not valid JSON (${why(e)})`);
  }
  const sums = (card as { size?: { sha256?: unknown } } | null)?.size?.sha256;
  if (typeof sums !== 'object' || sums === null || Array.isArray(sums))
    throw refuse('has no size.sha256 (the sha256 of each file)');
  return sums as Record<string, unknown>;
}

/**
 * An IOHandler for the model at `modelJson` whose load() reads model-card.json first, then model.json and each
 * weight file, each checked against the card's sha256 before it is used; it throws a ModelIntegrityError otherwise.
 */
export function checkedModelFiles(modelJson: string, read: FileReader): tf.io.IOHandler {
  const cardLocation = sibling(modelJson, 'model-card.json');
  return {
    load: async () => {
      const sums = await cardSums(cardLocation, read);
      const checked = async (name: string): Promise<ArrayBuffer> => {
        const location = sibling(modelJson, name);
        const sum = sums[name];
        if (typeof sum !== 'string' || !/^[0-9a-f]{64}$/i.test(sum)) {
          throw new ModelIntegrityError(
            `${cardLocation} has no sha256 for ${name} (size.sha256): the file cannot be checked, so it is not used; ${AGAIN}`,
          );
        }
        let bytes: ArrayBuffer | null;
        try {
          bytes = await read(location);
        } catch (e) {
          throw new ModelIntegrityError(`${location} could not be read (${why(e)}); ${AGAIN}`);
        }
        if (!bytes) throw new ModelIntegrityError(`${location} is missing; ${AGAIN}`);
        if ((await sha256(bytes)) !== sum.toLowerCase()) {
          throw new ModelIntegrityError(
            `${location} does not match the sha256 in model-card.json: the file is corrupted or incomplete; ${AGAIN}`,
          );
        }
        return bytes;
      };
      const json = JSON.parse(text(await checked(modelJson.slice(folderEnd(modelJson))))) as tf.io.ModelJSON;
      return tf.io.getModelArtifactsForJSON(json, async (manifest) => [
        manifest.flatMap((group) => group.weights),
        tf.io.CompositeArrayBuffer.join(await Promise.all(manifest.flatMap((group) => group.paths).map(checked))),
      ]);
    },
  };
}

/** The browser's reader: a same-origin fetch (the service worker serves it offline); null for a file not there. */
export const fetchFile: FileReader = async (url) => {
  const response = await fetch(url);
  if (response.status === 404 || response.status === 410) return null;
  if (!response.ok) throw new Error(`HTTP ${response.status}${response.statusText ? ` ${response.statusText}` : ''}`);
  return response.arrayBuffer();
};
