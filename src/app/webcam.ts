// Live webcam analysis: frames from getUserMedia through the live pipeline (src/lib/live.ts: a full
// search now and then, followed faces in between, smoothed by the tracker), as fast as the backend
// allows. Each frame is handed to the analysis service (a worker) as an ImageBitmap; the page only
// draws the boxes. The camera is released as soon as the webcam view is left.
import { get, writable } from 'svelte/store';
import { intervalText } from '../lib/interval';
import { placeLabels } from '../lib/labelLayout';
import type { TrackedFace } from '../lib/track';
import type { LiveFrame, LiveModelChoice } from './analysisService';
import { analysis } from './state';

export type WebcamState =
  | { state: 'off' }
  | { state: 'starting' }
  | {
      state: 'running';
      faces: TrackedFace[];
      fps: number;
      width: number;
      height: number;
      model: LiveFrame['model'];
      why: string;
    }
  | { state: 'error'; message: string };

export const webcam = writable<WebcamState>({ state: 'off' });
/** The model for the faces on video: read at every frame, so a change applies from the next one (once that model is loaded). */
export const liveModelChoice = writable<LiveModelChoice>('auto');

/** A face's label on the video: its text, size (frame pixels) and where it goes (inside the frame, over no other). */
export interface WebcamLabel {
  id: number;
  text: string;
  fontSize: number;
  left: number;
  top: number;
  width: number;
  height: number;
}

/** Label font sizes in screen (CSS) pixels: at least readable on a phone, at most not covering a small face's neighbours. */
export const LABEL_FONT_PX = { min: 12, max: 20 } as const;

const percentSure = (p: number): string =>
  Math.max(p, 1 - p) >= 0.995 ? '>99' : String(Math.round(100 * Math.max(p, 1 - p)));

/**
 * Each face's label, for a `width` x `height` frame shown `shownWidth` CSS pixels wide: the font is a sixth of the box's
 * width on screen, kept within LABEL_FONT_PX, so a label reads the same on a phone and a desktop.
 */
export function webcamLabels(faces: TrackedFace[], width: number, height: number, shownWidth: number): WebcamLabel[] {
  const scale = shownWidth / width; // CSS pixels per frame pixel
  const labels = faces.map((face) => {
    const onScreen = Math.max(LABEL_FONT_PX.min, Math.min((face.box.width * scale) / 6, LABEL_FONT_PX.max));
    const fontSize = onScreen / scale;
    const gender = face.gender === 'uncertain' ? 'F/M?' : face.gender === 'female' ? 'F' : 'M';
    const text = `${Math.round(face.age)} (${intervalText(face, '–')}) · ${gender} ${percentSure(face.femaleProbability)}%`;
    return { id: face.id, text, fontSize, width: 0.6 * fontSize * text.length, height: 1.25 * fontSize };
  });
  const places = placeLabels(
    faces.map((f) => f.box),
    labels,
    { width, height },
  );
  return labels.map((label, i) => ({ ...label, ...places[i] }));
}

/** Frames analysed per second over the last two seconds (a count, not a smoothed guess from one frame). */
class FrameRate {
  private times: number[] = [];
  tick(now: number): number {
    this.times.push(now);
    while (now - this.times[0] > 2000) this.times.shift();
    return this.times.length < 2 ? 0 : (1000 * (this.times.length - 1)) / (now - this.times[0]);
  }
}

let stream: MediaStream | null = null;
let session = 0;

/** A sentence for each way getUserMedia fails. */
function cameraMessage(e: unknown): string {
  const name = e instanceof DOMException ? e.name : '';
  if (name === 'NotAllowedError' || name === 'SecurityError') {
    return 'Camera access was denied. Allow the camera for this site in your browser settings, then start again.';
  }
  if (name === 'NotFoundError' || name === 'OverconstrainedError') return 'No camera was found on this device.';
  if (name === 'NotReadableError') return 'The camera is in use by another application, or could not be started.';
  if (!navigator.mediaDevices?.getUserMedia)
    return 'This browser does not give web pages access to a camera (or the page is not served over HTTPS).';
  return `The camera could not be started: ${e instanceof Error ? e.message : String(e)}`;
}

export async function startWebcam(video: HTMLVideoElement): Promise<void> {
  const run = ++session;
  webcam.set({ state: 'starting' });
  let opened: MediaStream;
  try {
    if (!navigator.mediaDevices?.getUserMedia) throw new Error('no getUserMedia');
    opened = await navigator.mediaDevices.getUserMedia({
      video: { width: { ideal: 640 }, height: { ideal: 480 }, facingMode: 'user' },
      audio: false,
    });
  } catch (e) {
    if (run === session) fail(cameraMessage(e));
    return;
  }
  // A start overtaken while the browser asked for the camera stops its own stream, not the newer one's.
  if (run !== session) {
    for (const track of opened.getTracks()) track.stop();
    return;
  }
  stream = opened;
  // An unplugged camera (or one the system takes back) ends its track: stop and say so, not a frozen last frame.
  for (const track of stream.getVideoTracks()) {
    track.addEventListener(
      'ended',
      () => {
        if (run === session)
          fail(
            'The camera stopped (unplugged, or taken by the system or another application). Start it again when it is back.',
          );
      },
      { once: true },
    );
  }
  video.srcObject = stream;
  try {
    await video.play();
  } catch (e) {
    if (run === session) fail(`The camera's video could not be played: ${e instanceof Error ? e.message : String(e)}`);
    return;
  }
  const service = await analysis();
  const rate = new FrameRate();
  while (run === session) {
    try {
      const { faces, model, why } = await service.liveFrame(await createImageBitmap(video), run, get(liveModelChoice));
      const fps = rate.tick(performance.now());
      if (run === session)
        webcam.set({ state: 'running', faces, fps, width: video.videoWidth, height: video.videoHeight, model, why });
    } catch (e) {
      if (run === session) fail(`Estimation stopped: ${e instanceof Error ? e.message : String(e)}`);
      return;
    }
    await new Promise((r) => requestAnimationFrame(r));
  }
}

/** Stop the camera and show why. */
function fail(message: string): void {
  session++;
  stopStream();
  webcam.set({ state: 'error', message });
}

function stopStream(): void {
  for (const track of stream?.getTracks() ?? []) track.stop();
  stream = null;
}

export function stopWebcam(): void {
  session++;
  stopStream();
  webcam.set({ state: 'off' });
}
