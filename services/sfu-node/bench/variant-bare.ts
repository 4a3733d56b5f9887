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

/** The part of mediasoup's module the bare variants use (the same in every release compared). */
export type MediasoupLib = Pick<typeof mediasoup, 'createWorker' | 'version'>;

/**
 * (b) Bare mediasoup: this process creates a worker with default settings, a router with the
 * room codecs, the ingest transport and producer, and the consumers, with no sfu-node in between.
 */
export const bareMediasoup: Variant = bareVariant('b', 'bare mediasoup', mediasoup);

/**
 * (p) The same as (b) with another mediasoup release (`--baseline DIR`, a mediasoup package,
 * and `--baseline-worker BIN`, its worker): the previous release side by side with the current
 * one in the same run, to see whether forwarding cost per consumer moved with an upgrade.
 */
export function baselineMediasoup(lib: MediasoupLib, workerBin: string): Variant {
  return bareVariant('p', `bare mediasoup ${lib.version}`, lib, workerBin);
}

function bareVariant(
  key: Variant['key'],
  label: string,
  lib: MediasoupLib,
  workerBin?: string,
): Variant {
  return {
    key,
    label,
    setup: (spec) => setupBare(lib, workerBin, spec),
  };
}

async function setupBare(
  lib: MediasoupLib,
  workerBin: string | undefined,
  { consumers, stream, sinks, disposer }: FanoutSpec,
): Promise<FanoutSetup> {
  const worker = await startWorker(lib, workerBin, disposer);
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
}

async function startWorker(
  lib: MediasoupLib,
  workerBin: string | undefined,
  disposer: Disposer,
): Promise<ms.Worker> {
  // mediasoup up to 3.19 reads MEDIASOUP_WORKER_BIN when its module loads (the baseline is loaded
  // with it set, see loadBaseline in fanout.ts), later releases when createWorker() spawns the
  // worker, which it does before its first await: set for that call too.
  const current = process.env['MEDIASOUP_WORKER_BIN'];
  if (workerBin) process.env['MEDIASOUP_WORKER_BIN'] = workerBin;
  let pending: Promise<ms.Worker>;
  try {
    pending = lib.createWorker();
  } finally {
    if (current === undefined) delete process.env['MEDIASOUP_WORKER_BIN'];
    else process.env['MEDIASOUP_WORKER_BIN'] = current;
  }
  const worker = await pending;
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
