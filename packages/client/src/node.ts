/**
 * The WebRTC classes mediasoup-client's browser handlers use, as a Node WebRTC implementation
 * provides them (@roamhq/wrtc: `import * as wrtc from '@roamhq/wrtc'`).
 */
export interface NodeWebRtc {
  RTCPeerConnection: unknown;
  RTCSessionDescription: unknown;
  RTCIceCandidate: unknown;
  RTCRtpSender?: unknown;
  RTCRtpReceiver?: unknown;
  RTCRtpTransceiver?: unknown;
  MediaStream: unknown;
  MediaStreamTrack: unknown;
}

/**
 * Makes a Node WebRTC implementation the global one, as a browser has it, so that a
 * {@link CascadeClient} with `handlerName: 'Chrome111'` runs in Node. Call it once, before the
 * first client joins. (@roamhq/wrtc 0.10 crashes Node in its exit teardown once a media source
 * has existed: end such processes with `process.exit()`.)
 */
export function installWebRtcGlobals(wrtc: NodeWebRtc): void {
  const names = [
    'RTCPeerConnection',
    'RTCSessionDescription',
    'RTCIceCandidate',
    'RTCRtpSender',
    'RTCRtpReceiver',
    'RTCRtpTransceiver',
    'MediaStream',
    'MediaStreamTrack',
  ] as const;
  for (const name of names) {
    if (wrtc[name] !== undefined) Object.assign(globalThis, { [name]: wrtc[name] });
  }
}
