import type { CascadeClient } from '@cascade/client';
import { useCallback, useEffect, useState } from 'react';

import { useEmitterValue } from '../../../lib/sdk/use-emitter';
import type { CallPreferences } from '../prejoin/preferences';
import { capture } from './capture';

export interface LocalMedia {
  micOn: boolean;
  cameraOn: boolean;
  sharing: boolean;
  canShare: boolean;
  busy: boolean;
  error: string | null;
  toggleMic: () => Promise<void>;
  toggleCamera: () => Promise<void>;
  toggleShare: () => Promise<void>;
  /** Moves the camera or the microphone to another device during the call. */
  switchDevice: (kind: 'camera' | 'microphone', deviceId: string) => Promise<void>;
}

/**
 * My microphone, camera and screen in the call. The microphone mutes (its producer pauses, the
 * device stays open for a quick unmute); the camera turns off (unpublished, its light goes
 * out); the screen is shared and stopped. Ctrl+D and Ctrl+E toggle microphone and camera.
 */
export function useLocalMedia(
  client: CascadeClient | null,
  preferences: CallPreferences,
  /** The devices chosen before joining are still being published: toggles wait for them. */
  starting = false,
): LocalMedia {
  const local = useEmitterValue(client, () => client?.room?.local ?? []);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const mic = local.find((t) => t.source === 'microphone');
  const camera = local.find((t) => t.source === 'camera');
  const screen = local.find((t) => t.source === 'screen');

  const guard = useCallback(async (action: () => Promise<unknown>) => {
    setBusy(true);
    try {
      await action();
      setError(null);
    } catch (failure) {
      const name = (failure as { name?: string }).name;
      setError(
        name === 'NotAllowedError'
          ? 'The browser did not allow it.'
          : name === 'NotReadableError'
            ? 'The device is in use by another app.'
            : 'That did not work. Try again.',
      );
    } finally {
      setBusy(false);
    }
  }, []);

  const toggleMic = useCallback(
    () =>
      guard(async () => {
        if (!client) return;
        if (!mic)
          await client.publishMicrophone(await capture('microphone', preferences.microphoneId));
        else if (mic.muted) await client.unmute('microphone');
        else await client.mute('microphone');
      }),
    [client, mic, guard, preferences.microphoneId],
  );
  const toggleCamera = useCallback(
    () =>
      guard(async () => {
        if (!client) return;
        if (camera) await client.unpublish('camera');
        else await client.publishCamera(await capture('camera', preferences.cameraId));
      }),
    [client, camera, guard, preferences.cameraId],
  );
  const toggleShare = useCallback(
    () =>
      guard(async () => {
        if (!client) return;
        if (screen) await client.unpublish('screen');
        else await client.publishScreen();
      }),
    [client, screen, guard],
  );
  const switchDevice = useCallback(
    (kind: 'camera' | 'microphone', deviceId: string) =>
      guard(async () => {
        if (!client) return;
        const publication = kind === 'camera' ? camera : mic;
        if (!publication) return;
        const track = await capture(kind, deviceId);
        await client.replaceTrack(kind, track);
      }),
    [client, camera, mic, guard],
  );

  useEffect(() => {
    const onKey = (event: KeyboardEvent) => {
      if (starting) return;
      if (!(event.ctrlKey || event.metaKey) || event.altKey || event.shiftKey) return;
      const key = event.key.toLowerCase();
      if (key === 'd') {
        event.preventDefault();
        void toggleMic();
      } else if (key === 'e') {
        event.preventDefault();
        void toggleCamera();
      }
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [toggleMic, toggleCamera, starting]);

  return {
    micOn: mic !== undefined && !mic.muted,
    cameraOn: camera !== undefined && !camera.muted,
    sharing: screen !== undefined,
    canShare:
      typeof navigator !== 'undefined' &&
      typeof navigator.mediaDevices?.getDisplayMedia === 'function',
    busy,
    error,
    toggleMic,
    toggleCamera,
    toggleShare,
    switchDevice,
  };
}
