import { once } from 'node:events';

import * as mediasoup from 'mediasoup';
import type { types as ms } from 'mediasoup';

/** The codecs of a Cascade room. */
export const MEDIA_CODECS: ms.RouterRtpCodecCapability[] = [
  { kind: 'audio', mimeType: 'audio/opus', clockRate: 48_000, channels: 2 },
  { kind: 'video', mimeType: 'video/VP8', clockRate: 90_000 },
];

/** UDP on the loopback interface only, announced as itself. */
export const LOOPBACK_UDP: ms.TransportListenInfo = {
  protocol: 'udp',
  ip: '127.0.0.1',
  announcedAddress: '127.0.0.1',
};

export interface MediaServer {
  worker: ms.Worker;
  router: ms.Router;
}

/**
 * Jest helper: a real mediasoup worker (the binary mediasoup resolves: MEDIASOUP_WORKER_BIN or
 * its default build path) with one router, for the enclosing suite. After the suite the worker is
 * closed and its process awaited. A worker that dies fails the next call of the getter.
 */
export function useMediaServer(): () => MediaServer {
  let server: MediaServer | undefined;
  let died: Error | undefined;
  beforeAll(async () => {
    const worker = await mediasoup.createWorker({ logLevel: 'warn' });
    worker.on('died', (error) => (died = error));
    server = { worker, router: await worker.createRouter({ mediaCodecs: MEDIA_CODECS }) };
  }, 15_000);
  afterAll(async () => {
    const worker = server?.worker;
    if (!worker || worker.subprocessClosed) return;
    const exited = once(worker, 'subprocessclose');
    worker.close();
    await exited; // the worker process has gone, not just been told to go
  }, 10_000);
  return () => {
    if (died) throw new Error(`the mediasoup worker died: ${died.message}`);
    if (!server) throw new Error('the media server is not running (use it inside a test or hook)');
    return server;
  };
}

/** The payload type the router assigned to a codec, e.g. `payloadTypeOf(router, 'video/VP8')`. */
export function payloadTypeOf(router: ms.Router, mimeType: string): number {
  const codec = router.rtpCapabilities.codecs?.find(
    (c) => c.mimeType.toLowerCase() === mimeType.toLowerCase(),
  );
  if (!codec) throw new Error(`the router has no ${mimeType} codec`);
  return codec.preferredPayloadType;
}

/** The fixed RTP header fields of a packet (RFC 3550 §5.1). */
export function rtpHeader(packet: Buffer): { version: number; payloadType: number; ssrc: number } {
  return { version: packet[0]! >> 6, payloadType: packet[1]! & 0x7f, ssrc: packet.readUInt32BE(8) };
}
