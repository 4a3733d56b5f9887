import { once } from 'node:events';

import * as mediasoup from 'mediasoup';
import type { types as ms } from 'mediasoup';

import { LOOPBACK_UDP, MEDIA_CODECS } from '../test/support/mediasoup';
import {
  newSrtpParameters,
  producerRtpParameters,
  SRTP_SUITE,
  type VideoStream,
} from './ffmpeg-srtp';
import { mapLimit } from './measure';
import { type Disposer, type FanoutSetup, type FanoutSpec, range, type Variant } from './variant';

/**
 * (b) Bare mediasoup: this process creates a worker with default settings, a router with the
 * room codecs, the ingest transport and producer, and the consumers, with no sfu-node in between.
 */
export const bareMediasoup: Variant = {
  key: 'b',
  label: 'bare mediasoup',
  async setup({ consumers, stream, sinks, disposer }: FanoutSpec): Promise<FanoutSetup> {
    const worker = await startWorker(disposer);
    const router = await worker.createRouter({ mediaCodecs: MEDIA_CODECS });
    const { transport: ingest, producer } = await ingestStream(router, stream);
    const fanout = await mapLimit(range(consumers), 16, (i) =>
      consume(router, producer, sinks.address(i)),
    );
    return {
      ingest: { ip: ingest.tuple.localAddress, port: ingest.tuple.localPort },
      processes: [{ role: 'worker', pid: worker.pid }],
      consumerPacketCount: () => outboundPackets(fanout),
    };
  },
};

async function startWorker(disposer: Disposer): Promise<ms.Worker> {
  const worker = await mediasoup.createWorker();
  disposer.defer('close the mediasoup worker', async () => {
    if (worker.subprocessClosed) return;
    const exited = once(worker, 'subprocessclose');
    worker.close();
    await exited;
  });
  return worker;
}

async function ingestStream(router: ms.Router, stream: VideoStream) {
  const transport = await router.createPlainTransport({
    listenInfo: LOOPBACK_UDP,
    rtcpMux: true,
    comedia: stream.from === undefined,
    enableSrtp: true,
    srtpCryptoSuite: SRTP_SUITE,
  });
  // Without a known source (comedia), the address comes from the first packet that decrypts:
  // the key has to be set first either way.
  const from = stream.from ? { ip: stream.from.ip, port: stream.from.port } : {};
  await transport.connect({ ...from, srtpParameters: stream.srtp });
  const producer = await transport.produce({
    kind: 'video',
    rtpParameters: producerRtpParameters(stream),
  });
  return { transport, producer };
}

async function consume(
  router: ms.Router,
  producer: ms.Producer,
  sink: { ip: string; port: number },
): Promise<ms.Consumer> {
  const transport = await router.createPlainTransport({
    listenInfo: LOOPBACK_UDP,
    rtcpMux: true,
    comedia: false,
    enableSrtp: true,
    srtpCryptoSuite: SRTP_SUITE,
  });
  await transport.connect({ ...sink, srtpParameters: newSrtpParameters() });
  const consumer = await transport.consume({
    producerId: producer.id,
    rtpCapabilities: router.rtpCapabilities,
    paused: true, // as the sfu-node API does: consumers start paused
  });
  await consumer.resume();
  return consumer;
}

async function outboundPackets(consumers: ms.Consumer[]): Promise<number> {
  const stats = await Promise.all(consumers.map((c) => c.getStats()));
  let packets = 0;
  for (const list of stats)
    for (const s of list) if (s.type === 'outbound-rtp') packets += s.packetCount;
  return packets;
}
