import { useEffect, useState } from 'react';

export interface MediaDevices {
  cameras: MediaDeviceInfo[];
  microphones: MediaDeviceInfo[];
  /** Audio outputs, where the browser lets a page choose one (`setSinkId`). */
  speakers: MediaDeviceInfo[];
}

const EMPTY: MediaDevices = { cameras: [], microphones: [], speakers: [] };

/** The devices the browser offers, kept current as they come and go. */
export function useMediaDevices(refreshKey: unknown = null): MediaDevices {
  const [devices, setDevices] = useState<MediaDevices>(EMPTY);
  useEffect(() => {
    const media = navigator.mediaDevices;
    if (!media?.enumerateDevices) return;
    let active = true;
    const read = () =>
      void media.enumerateDevices().then((all) => {
        if (!active) return;
        const canChooseOutput = 'setSinkId' in HTMLMediaElement.prototype;
        setDevices({
          cameras: all.filter((d) => d.kind === 'videoinput' && d.deviceId),
          microphones: all.filter((d) => d.kind === 'audioinput' && d.deviceId),
          speakers: canChooseOutput
            ? all.filter((d) => d.kind === 'audiooutput' && d.deviceId)
            : [],
        });
      });
    read();
    media.addEventListener('devicechange', read);
    return () => {
      active = false;
      media.removeEventListener('devicechange', read);
    };
  }, [refreshKey]);
  return devices;
}
