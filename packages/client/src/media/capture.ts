import { CascadeError } from '@cascade/contracts';

import type { MediaTrack } from '../types';

interface StreamLike {
  getVideoTracks(): MediaTrack[];
  getAudioTracks(): MediaTrack[];
}

interface MediaDevicesLike {
  getUserMedia(constraints: object): Promise<StreamLike>;
  getDisplayMedia?(constraints: object): Promise<StreamLike>;
}

function mediaDevices(what: string): MediaDevicesLike {
  const devices = (globalThis as { navigator?: { mediaDevices?: MediaDevicesLike } }).navigator
    ?.mediaDevices;
  if (!devices) {
    throw new CascadeError(
      'INVALID_ARGUMENT',
      `no media devices to capture the ${what} from here: pass a track`,
    );
  }
  return devices;
}

function first(tracks: MediaTrack[], what: string): MediaTrack {
  const track = tracks[0];
  if (!track) throw new CascadeError('NOT_FOUND', `no ${what} track was captured`);
  return track;
}

/** The camera, through `getUserMedia` (browsers). */
export async function captureCamera(constraints: object = {}): Promise<MediaTrack> {
  const stream = await mediaDevices('camera').getUserMedia({
    video: {
      width: { ideal: 1280 },
      height: { ideal: 720 },
      frameRate: { ideal: 30 },
      ...constraints,
    },
    audio: false,
  });
  return first(stream.getVideoTracks(), 'camera');
}

/** The microphone, through `getUserMedia`, with the usual voice processing (browsers). */
export async function captureMicrophone(constraints: object = {}): Promise<MediaTrack> {
  const stream = await mediaDevices('microphone').getUserMedia({
    audio: {
      echoCancellation: true,
      noiseSuppression: true,
      autoGainControl: true,
      ...constraints,
    },
    video: false,
  });
  return first(stream.getAudioTracks(), 'microphone');
}

/** The screen, through `getDisplayMedia`: its video, and its audio where the browser shares it. */
export async function captureScreen(
  withAudio = true,
): Promise<{ video: MediaTrack; audio: MediaTrack | undefined }> {
  const devices = mediaDevices('screen');
  if (!devices.getDisplayMedia)
    throw new CascadeError('INVALID_ARGUMENT', 'screen capture is not supported here');
  const stream = await devices.getDisplayMedia({ video: true, audio: withAudio });
  return { video: first(stream.getVideoTracks(), 'screen'), audio: stream.getAudioTracks()[0] };
}
