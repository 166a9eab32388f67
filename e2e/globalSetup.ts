import { join } from 'node:path';
import { writeFakeWebcamVideo } from './fakeWebcam';

export default async function globalSetup(): Promise<void> {
  await writeFakeWebcamVideo(join(import.meta.dirname, 'fixtures', 'photos', 'group-of-three.jpg'));
}
