import { CascadeError, type SfuControlRequestOf } from '@cascade/contracts';
import type { types as ms } from 'mediasoup';

import type { MediaTransport, RoomParticipant } from './room-participant';
import type { TransportSettings } from './room-types';

/** Why a transport went away, as `transport.closed` says. */
export type TransportEndReason = 'closed' | 'dtls-failed' | 'dtls-closed';

/**
 * Makes a participant's WebRTC transport on its router, through the worker's WebRtcServer (one
 * port for all), with SCTP when asked. `ended` hears of DTLS failing or closing.
 *
 * Bandwidth estimation (mediasoup's `enableBwe`, 3.32) works both ways on a transport: on one the
 * client sends on, the node answers the client's media with congestion feedback (transport-cc or
 * REMB), without which a browser's send-side estimate sinks to ~30 kbps and only its lowest
 * simulcast layer goes out; so it is always on there. On one the client receives on, it is the
 * node's own downlink estimate, which can starve a receiver (see SFU_BWE_ENABLED): `enableBwe`.
 */
export async function openWebRtcTransport(
  participant: RoomParticipant,
  router: Pick<ms.Router, 'createWebRtcTransport'>,
  webRtcServer: ms.WebRtcServer,
  r: SfuControlRequestOf<'transport.createWebRtc'>,
  ended: (transportId: string, reason: TransportEndReason) => void,
  enableBwe = false,
) {
  const transport = await router.createWebRtcTransport({
    webRtcServer,
    enableUdp: true,
    enableTcp: true,
    preferUdp: true,
    enableBwe: r.direction === 'send' || enableBwe,
    // mediasoup's own SCTP stack (>= 3.20) negotiates the stream counts: the client's wish
    // only switches SCTP on.
    enableSctp: r.sctp !== undefined,
    appData: { participantId: participant.id, direction: r.direction },
  });
  adoptTransport(participant, transport);
  transport.on('dtlsstatechange', (state) => {
    if (state === 'failed' || state === 'closed')
      ended(transport.id, state === 'failed' ? 'dtls-failed' : 'dtls-closed');
  });
  return {
    transportId: transport.id,
    workerIndex: participant.workerIndex,
    iceParameters: transport.iceParameters,
    iceCandidates: transport.iceCandidates,
    dtlsParameters: transport.dtlsParameters,
    ...(transport.sctpParameters ? { sctpParameters: transport.sctpParameters } : {}),
  };
}

/** Makes a participant's plain RTP transport (ffmpeg, GStreamer) on its own port. */
export async function openPlainTransport(
  participant: RoomParticipant,
  router: Pick<ms.Router, 'createPlainTransport'>,
  settings: TransportSettings,
  r: SfuControlRequestOf<'transport.createPlain'>,
) {
  const { listenIp, announcedAddress, portRange } = settings;
  const transport = await router.createPlainTransport({
    listenInfo: { protocol: 'udp', ip: listenIp, announcedAddress, portRange },
    rtcpMux: r.rtcpMux,
    comedia: r.comedia,
    enableSrtp: r.enableSrtp,
    appData: { participantId: participant.id },
  });
  adoptTransport(participant, transport);
  return {
    transportId: transport.id,
    workerIndex: participant.workerIndex,
    ip: transport.tuple.localAddress ?? announcedAddress,
    port: transport.tuple.localPort,
    ...(transport.rtcpTuple ? { rtcpPort: transport.rtcpTuple.localPort } : {}),
    ...(transport.srtpParameters ? { srtpParameters: transport.srtpParameters } : {}),
  };
}

/**
 * Gives the participant a transport it keeps until the transport closes. A participant removed
 * while the transport was being made gets none: the transport closes, and the caller `CONFLICT`.
 */
export function adoptTransport(
  participant: RoomParticipant,
  transport: Pick<MediaTransport, 'id' | 'close' | 'observer'>,
): void {
  if (participant.closed) {
    transport.close();
    throw new CascadeError('CONFLICT', `participant ${participant.id} was removed meanwhile`);
  }
  participant.transports.set(transport.id, transport as MediaTransport);
  (transport.observer as NodeJS.EventEmitter).once('close', () =>
    participant.transports.delete(transport.id),
  );
}
