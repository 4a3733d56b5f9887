import { once } from 'node:events';

import * as mediasoup from 'mediasoup';
import type { types as ms } from 'mediasoup';

import { type MediasoupCount, MediasoupCensus } from '../src/media/mediasoup-census';
import { LOOPBACK_UDP, MEDIA_CODECS } from './support/mediasoup';

/** The census's non-zero counts as `kind/transport → count`. */
async function held(census: MediasoupCensus): Promise<Record<string, number>> {
  const counts: MediasoupCount[] = await census.count();
  return Object.fromEntries(
    counts
      .filter((c) => c.count > 0)
      .map((c) => [c.transport ? `${c.kind}/${c.transport}` : c.kind, c.count]),
  );
}

const OPUS = { mimeType: 'audio/opus', clockRate: 48_000, channels: 2, payloadType: 111 };

async function closeWorker(worker: ms.Worker): Promise<void> {
  if (worker.subprocessClosed) return;
  const exited = once(worker, 'subprocessclose');
  worker.close();
  await exited; // the process has gone, not just been told to go
}

describe('MediasoupCensus: what real workers hold, from their dumps', () => {
  const workers: ms.Worker[] = [];
  const census = new MediasoupCensus();

  beforeAll(async () => {
    for (let i = 0; i < 2; i++) {
      const worker = await mediasoup.createWorker({ logLevel: 'warn' });
      census.track(worker);
      workers.push(worker);
    }
  }, 15_000);

  afterAll(() => Promise.all(workers.map(closeWorker)), 10_000);

  it('counts each kind by the transport it is on, follows closes, and is empty once the worker closes', async () => {
    expect(await held(census)).toEqual({});

    const a = await workers[0]!.createRouter({ mediaCodecs: MEDIA_CODECS });
    const b = await workers[1]!.createRouter({ mediaCodecs: MEDIA_CODECS });
    const ingest = await a.createPlainTransport({ listenInfo: LOOPBACK_UDP, comedia: true });
    const producer = await ingest.produce({
      kind: 'audio',
      rtpParameters: { codecs: [OPUS], encodings: [{ ssrc: 1111 }] },
    });
    const receive = await a.createWebRtcTransport({ listenInfos: [LOOPBACK_UDP] });
    const consumer = await receive.consume({
      producerId: producer.id,
      rtpCapabilities: a.rtpCapabilities,
    });
    await a.createAudioLevelObserver();
    // A pipe pair between the routers (on two workers, as between two nodes): a pipe consumer
    // on a, a piped-in producer on b.
    await a.pipeToRouter({ producerId: producer.id, router: b });

    expect(await held(census)).toEqual({
      router: 2,
      rtp_observer: 1,
      'transport/plain': 1,
      'transport/webrtc': 1,
      'transport/pipe': 2,
      'producer/plain': 1,
      'producer/pipe': 1,
      'consumer/webrtc': 1,
      'consumer/pipe': 1,
    });

    consumer.close();
    const withoutConsumer = await held(census);
    expect(withoutConsumer).toMatchObject({ 'transport/webrtc': 1, 'consumer/pipe': 1 });
    expect(withoutConsumer).not.toHaveProperty('consumer/webrtc');

    // The producer's close reaches the pipe consumer in the worker and, through mediasoup's
    // pipe pair, the copy on b.
    producer.close();
    expect(await held(census)).toEqual({
      router: 2,
      rtp_observer: 1,
      'transport/plain': 1,
      'transport/webrtc': 1,
      'transport/pipe': 2,
    });

    // a's end of the pipe pair closes with b.
    b.close();
    expect(await held(census)).toEqual({
      router: 1,
      rtp_observer: 1,
      'transport/plain': 1,
      'transport/webrtc': 1,
    });

    a.close();
    expect(await held(census)).toEqual({});
  });

  it('counts nothing of a closed worker', async () => {
    const other = await mediasoup.createWorker({ logLevel: 'warn' });
    census.track(other);
    await other.createRouter({ mediaCodecs: MEDIA_CODECS });
    expect(await held(census)).toEqual({ router: 1 });
    await closeWorker(other);
    expect(await held(census)).toEqual({});
  });

  describe('a transport closed here that the worker holds', () => {
    let worker: ms.Worker;
    const warnings: string[] = [];
    const census = new MediasoupCensus((fields, message) =>
      warnings.push(`${message} ${String(fields['transportId'])}`),
    );

    beforeAll(async () => {
      worker = await mediasoup.createWorker({ logLevel: 'warn' });
      census.track(worker);
    }, 15_000);

    afterAll(() => closeWorker(worker), 10_000);

    const routers: ms.Router[] = [];
    const newRouter = async () => {
      const router = await worker.createRouter({ mediaCodecs: MEDIA_CODECS });
      routers.push(router);
      return router;
    };

    beforeEach(() => (warnings.length = 0));
    afterEach(() => routers.splice(0).forEach((router) => router.close()));

    it('is no leak when it closed while the router dump was on its way', async () => {
      const router = await newRouter();
      const transport = await router.createWebRtcTransport({ listenInfos: [LOOPBACK_UDP] });
      // The transport closes right after the census asked for the router's dump: the close
      // request reaches the worker after the dump's, so the dump lists it, and its answer
      // comes after the node forgot the transport (as under load in the soak).
      const dump = router.dump.bind(router);
      jest.spyOn(router, 'dump').mockImplementationOnce(() => {
        const answer = dump();
        transport.close();
        return answer;
      });
      expect(await held(census)).toEqual({ router: 1, 'transport/webrtc': 1 });
      expect(warnings).toEqual([]);
      expect(await held(census)).toEqual({ router: 1 });
    });

    it('is a leak when it closed before the dump was asked for, counted on every census', async () => {
      const router = await newRouter();
      const transport = await router.createWebRtcTransport({ listenInfos: [LOOPBACK_UDP] });
      // What mediasoup does when its router closes: the transport is closed on the Node side
      // without a request to the worker, which here still has the router and so the transport.
      transport.routerClosed();
      expect(transport.closed).toBe(true);
      expect(await held(census)).toEqual({ router: 1, 'transport/unknown': 1 });
      expect(warnings).toEqual([
        `a mediasoup worker still holds a transport this node closed ${transport.id}`,
      ]);
      expect(await held(census)).toEqual({ router: 1, 'transport/unknown': 1 });
      expect(warnings).toHaveLength(1); // warned once
      router.close();
      expect(await held(census)).toEqual({});
    });
  });
});
