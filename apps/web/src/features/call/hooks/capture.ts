/** Opens the camera or the microphone (the one chosen, if any) as the call captures them. */
export async function capture(
  kind: 'camera' | 'microphone',
  deviceId: string | undefined,
): Promise<MediaStreamTrack> {
  const exact = deviceId ? { deviceId: { exact: deviceId } } : {};
  const stream = await navigator.mediaDevices.getUserMedia(
    kind === 'camera'
      ? { video: { ...exact, width: { ideal: 1280 }, height: { ideal: 720 } } }
      : {
          audio: {
            ...exact,
            echoCancellation: true,
            noiseSuppression: true,
            autoGainControl: true,
          },
        },
  );
  const [track] = kind === 'camera' ? stream.getVideoTracks() : stream.getAudioTracks();
  if (!track) throw new Error(`no ${kind} track`);
  return track;
}
