import type { RtpCapabilities } from '@cascade/contracts';

import { opusRtpParameters, vp8RtpParameters } from '@cascade/testing';
import { useSfuCluster } from './support/sfu-nodes';

const room = { tenantId: 'acme', roomId: 'wide' };

describe('a room spread over two workers of one node', () => {
  const cluster = useSfuCluster();

  it('places participants on the worker asked for, and pipes producers between the workers’ routers', async () => {
    const node = await cluster.spawn('two-workers', { MEDIASOUP_NUM_WORKERS: '2' });
    const { client } = node;
    const alice = { ...room, participantId: 'alice' };
    const bob = { ...room, participantId: 'bob' };
    const send = await client.request('transport.createWebRtc', {
      ...alice,
      direction: 'send',
      workerIndex: 0,
    });
    const recv = await client.request('transport.createWebRtc', {
      ...bob,
      direction: 'recv',
      workerIndex: 1,
    });
    expect([send.workerIndex, recv.workerIndex]).toEqual([0, 1]);
    expect(recv.iceCandidates[0]!.port).toBe(send.iceCandidates[0]!.port + 1); // worker 1's WebRtcServer

    const { producerId: videoId } = await client.request('producer.create', {
      ...alice,
      transportId: send.transportId,
      kind: 'video',
      rtpParameters: vp8RtpParameters(),
      source: 'camera',
    });
    const { producerId: audioId } = await client.request('producer.create', {
      ...alice,
      transportId: send.transportId,
      kind: 'audio',
      rtpParameters: opusRtpParameters(),
      source: 'microphone',
    });
    const { rtpCapabilities } = await client.request('router.capabilities', room);
    for (const producerId of [videoId, audioId]) {
      const consumer = await client.request('consumer.create', {
        ...bob,
        transportId: recv.transportId,
        producerId,
        rtpCapabilities: rtpCapabilities as RtpCapabilities,
      });
      expect(consumer.producerId).toBe(producerId);
    }
    const dump = await client.request('room.dump', room);
    expect(dump['workers']).toEqual(expect.arrayContaining([0, 1]));

    // Without a worker choice, a new participant goes to the less loaded worker.
    const carol = await client.request('transport.createWebRtc', {
      ...room,
      participantId: 'carol',
      direction: 'recv',
    });
    const dave = await client.request('transport.createWebRtc', {
      ...room,
      participantId: 'dave',
      direction: 'recv',
    });
    expect([carol.workerIndex, dave.workerIndex].sort()).toEqual([0, 1]);

    // When the producer closes, the consumer on the other worker closes too.
    await client.request('producer.close', { ...alice, producerId: videoId });
    await cluster.waitForEvent(
      'room',
      (e) => e.type === 'consumer.closed' && e.participantId === 'bob' && e.producerId === videoId,
    );
  });
});
