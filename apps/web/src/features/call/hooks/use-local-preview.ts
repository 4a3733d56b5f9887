import { useEffect, useState } from 'react';

import { type MediaProblem, mediaProblemOf } from '../prejoin/media-errors';

export interface LocalPreview {
  video: MediaStreamTrack | null;
  audio: MediaStreamTrack | null;
  videoProblem: MediaProblem | null;
  audioProblem: MediaProblem | null;
}

/**
 * The camera and microphone as chosen on the pre-join screen, opened for the preview (and
 * handed to the call when joining). A device that is off is not opened at all.
 */
export function useLocalPreview(options: {
  cameraOn: boolean;
  microphoneOn: boolean;
  cameraId?: string | undefined;
  microphoneId?: string | undefined;
}): LocalPreview {
  const [video, setVideo] = useState<MediaStreamTrack | null>(null);
  const [audio, setAudio] = useState<MediaStreamTrack | null>(null);
  const [videoProblem, setVideoProblem] = useState<MediaProblem | null>(null);
  const [audioProblem, setAudioProblem] = useState<MediaProblem | null>(null);

  useEffect(() => {
    if (!options.cameraOn) {
      setVideo(null);
      setVideoProblem(null);
      return;
    }
    return open(
      {
        video: {
          ...(options.cameraId ? { deviceId: { exact: options.cameraId } } : {}),
          width: { ideal: 1280 },
          height: { ideal: 720 },
        },
      },
      setVideo,
      setVideoProblem,
    );
  }, [options.cameraOn, options.cameraId]);

  useEffect(() => {
    if (!options.microphoneOn) {
      setAudio(null);
      setAudioProblem(null);
      return;
    }
    return open(
      {
        audio: {
          ...(options.microphoneId ? { deviceId: { exact: options.microphoneId } } : {}),
          echoCancellation: true,
          noiseSuppression: true,
          autoGainControl: true,
        },
      },
      setAudio,
      setAudioProblem,
    );
  }, [options.microphoneOn, options.microphoneId]);

  return { video, audio, videoProblem, audioProblem };
}

function open(
  constraints: MediaStreamConstraints,
  setTrack: (track: MediaStreamTrack | null) => void,
  setProblem: (problem: MediaProblem | null) => void,
): () => void {
  let active = true;
  let opened: MediaStreamTrack | null = null;
  if (!navigator.mediaDevices?.getUserMedia) {
    setProblem('notFound');
    return () => undefined;
  }
  navigator.mediaDevices.getUserMedia(constraints).then(
    (stream) => {
      const [track] = [...stream.getVideoTracks(), ...stream.getAudioTracks()];
      if (!active || !track) {
        stream.getTracks().forEach((t) => t.stop());
        return;
      }
      opened = track;
      setProblem(null);
      setTrack(track);
    },
    (error: unknown) => {
      if (!active) return;
      setTrack(null);
      setProblem(mediaProblemOf(error));
    },
  );
  return () => {
    active = false;
    // A track handed over to the call is stopped by the call; a preview's is stopped here.
    if (opened && !handedOver.has(opened)) opened.stop();
  };
}

/** Preview tracks the call took over: unmounting the preview must not stop them. */
const handedOver = new WeakSet<MediaStreamTrack>();

/** Marks a preview track as the call's now: unmounting the preview will not stop it. */
export function handOver(track: MediaStreamTrack | null): MediaStreamTrack | undefined {
  if (!track) return undefined;
  handedOver.add(track);
  return track;
}
