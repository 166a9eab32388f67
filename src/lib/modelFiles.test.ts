import { existsSync, readdirSync, readFileSync } from 'node:fs';
import * as tf from '@tensorflow/tfjs';
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { initBackend, modelFromDisk } from '../node/nodeRuntime';
import { FaceDetector } from './detect';
import { AgeGenderModel } from './model';
import { checkedModelFiles, fetchFile, type FileReader, ModelIntegrityError } from './modelFiles';

const FOLDER = 'public/models/agegender-fast/';
const AGAIN = 'copy or download the whole model folder again';

/** The shipped fast model's folder in memory, to damage one file at a time. */
function folder(): Map<string, Uint8Array> {
  return new Map(readdirSync(FOLDER).map((name) => [FOLDER + name, new Uint8Array(readFileSync(FOLDER + name))]));
}
const reader =
  (files: Map<string, Uint8Array>): FileReader =>
  async (location) => {
    const bytes = files.get(location);
    return bytes ? (bytes.slice().buffer as ArrayBuffer) : null;
  };
const flipByte = (files: Map<string, Uint8Array>, name: string, at: number): void => {
  files.get(FOLDER + name)![at] ^= 1;
};
const editCard = (
  files: Map<string, Uint8Array>,
  edit: (card: { size: { sha256: Record<string, unknown> } }) => void,
) => {
  const card = JSON.parse(new TextDecoder().decode(files.get(FOLDER + 'model-card.json'))) as {
    size: { sha256: Record<string, unknown> };
  };
  edit(card);
  files.set(FOLDER + 'model-card.json', new TextEncoder().encode(JSON.stringify(card)));
};
const load = (files: Map<string, Uint8Array>): Promise<tf.io.ModelArtifacts> =>
  checkedModelFiles(FOLDER + 'model.json', reader(files)).load!();

describe('checkedModelFiles', () => {
  it('loads a folder whose every file matches its card', async () => {
    const artifacts = await load(folder());
    expect(artifacts.weightData).toBeDefined();
    expect((artifacts.weightData as ArrayBuffer).byteLength).toBe(readFileSync(FOLDER + 'weights.bin').byteLength);
  });

  it('refuses a model.json with one byte changed', async () => {
    const files = folder();
    flipByte(files, 'model.json', 100);
    await expect(load(files)).rejects.toThrow(
      `${FOLDER}model.json does not match the sha256 in model-card.json: the file is corrupted or incomplete; ${AGAIN}`,
    );
  });

  it('refuses a weights file with one byte changed, or cut short', async () => {
    const files = folder();
    flipByte(files, 'weights.bin', 1000);
    await expect(load(files)).rejects.toThrow(`${FOLDER}weights.bin does not match the sha256 in model-card.json`);
    files.set(FOLDER + 'weights.bin', new Uint8Array(readFileSync(FOLDER + 'weights.bin')).subarray(0, 1000));
    await expect(load(files)).rejects.toThrow(`${FOLDER}weights.bin does not match the sha256 in model-card.json`);
  });

  it('refuses a folder without its card', async () => {
    const files = folder();
    files.delete(FOLDER + 'model-card.json');
    const refused = load(files);
    await expect(refused).rejects.toBeInstanceOf(ModelIntegrityError);
    await expect(refused).rejects.toThrow(
      `${FOLDER}model-card.json is missing: the model's files cannot be checked; ${AGAIN}`,
    );
  });

  it('refuses a card with a wrong sum', async () => {
    const files = folder();
    editCard(files, (card) => {
      card.size.sha256['weights.bin'] = '0'.repeat(64);
    });
    await expect(load(files)).rejects.toThrow(`${FOLDER}weights.bin does not match the sha256 in model-card.json`);
  });

  it('refuses a file the card has no sum for, and a card without sums', async () => {
    const files = folder();
    editCard(files, (card) => {
      delete card.size.sha256['weights.bin'];
    });
    await expect(load(files)).rejects.toThrow(
      `${FOLDER}model-card.json has no sha256 for weights.bin (size.sha256): the file cannot be checked, so it is not used; ${AGAIN}`,
    );
    editCard(files, (card) => {
      card.size.sha256['model.json'] = 'not a sum';
    });
    await expect(load(files)).rejects.toThrow(`${FOLDER}model-card.json has no sha256 for model.json`);
    editCard(files, (card) => {
      delete (card.size as { sha256?: unknown }).sha256;
    });
    await expect(load(files)).rejects.toThrow(`${FOLDER}model-card.json has no size.sha256`);
  });

  it('refuses a card that is not JSON or cannot be read', async () => {
    const files = folder();
    files.set(FOLDER + 'model-card.json', files.get(FOLDER + 'model-card.json')!.subarray(0, 500));
    await expect(load(files)).rejects.toThrow(
      new RegExp(
        `^${FOLDER}model-card.json is not valid JSON \\(.+\\): the model's files cannot be checked; ${AGAIN}$`,
      ),
    );
    const failing: FileReader = (location) =>
      location.endsWith('model-card.json') ? Promise.reject(new Error('EACCES')) : reader(folder())(location);
    await expect(checkedModelFiles(FOLDER + 'model.json', failing).load!()).rejects.toThrow(
      `${FOLDER}model-card.json could not be read (EACCES): the model's files cannot be checked; ${AGAIN}`,
    );
  });

  it('refuses a folder with a weights file missing', async () => {
    const files = folder();
    files.delete(FOLDER + 'weights.bin');
    await expect(load(files)).rejects.toThrow(`${FOLDER}weights.bin is missing; ${AGAIN}`);
  });

  it('finds the card beside a Windows path', async () => {
    const files = new Map([...folder()].map(([path, bytes]) => [path.replaceAll('/', '\\'), bytes]));
    await expect(
      checkedModelFiles(`${FOLDER}model.json`.replaceAll('/', '\\'), reader(files)).load!(),
    ).resolves.toBeDefined();
  });
});

describe('the shipped model folders', () => {
  beforeAll(async () => {
    await initBackend('cpu');
  });

  it('load through the checker from disk: both age/gender models and BlazeFace', async () => {
    for (const model of ['agegender/model.json', 'agegender-fast/model.json', 'blazeface/blazeface-front.json'])
      await expect(modelFromDisk(`public/models/${model}`).load!()).resolves.toHaveProperty('weightData');
    const fast = await AgeGenderModel.load(modelFromDisk('public/models/agegender-fast/model.json'));
    fast.dispose();
    const detector = await FaceDetector.load(modelFromDisk('public/models/blazeface/blazeface-front.json'));
    detector.dispose();
  });
});

describe('a model loaded by its URL', () => {
  beforeAll(async () => {
    await initBackend('cpu');
  });
  afterEach(() => {
    vi.unstubAllGlobals();
  });

  it('is checked too: a detector with a byte changed is refused, a model as shipped loads', async () => {
    const served = (url: string): Uint8Array<ArrayBuffer> | undefined => {
      const path = `public${new URL(url).pathname}`;
      if (!existsSync(path)) return undefined;
      const bytes = new Uint8Array(readFileSync(path));
      if (path.endsWith('blazeface-front.bin')) bytes[1000] ^= 1;
      return bytes;
    };
    vi.stubGlobal('fetch', (url: string) => {
      const bytes = served(url);
      return Promise.resolve(bytes ? new Response(bytes) : new Response(null, { status: 404 }));
    });
    await expect(FaceDetector.load('http://site/models/blazeface/blazeface-front.json')).rejects.toThrow(
      'http://site/models/blazeface/blazeface-front.bin does not match the sha256 in model-card.json',
    );
    (await AgeGenderModel.load('http://site/models/agegender-fast/model.json')).dispose();
  });
});

describe('fetchFile', () => {
  afterEach(() => {
    vi.unstubAllGlobals();
  });

  it('gives null for a file that is not there, and an error for a server that failed', async () => {
    const answer = (status: number) => vi.fn(() => Promise.resolve(new Response('x', { status })));
    vi.stubGlobal('fetch', answer(404));
    await expect(fetchFile('/models/x/model-card.json')).resolves.toBeNull();
    vi.stubGlobal('fetch', answer(503));
    await expect(fetchFile('/models/x/model-card.json')).rejects.toThrow('HTTP 503');
    vi.stubGlobal('fetch', answer(200));
    expect(new TextDecoder().decode((await fetchFile('/models/x/model-card.json'))!)).toBe('x');
  });
});
