import { CascadeError, type RtpCapabilities, type SfuControlResult } from '@cascade/contracts';

import { opusRtpParameters, vp8RtpParameters } from '@cascade/testing';
import { type RunningSfuNode, useSfuCluster } from './support/sfu-nodes';

const room = { tenantId: 'acme', roomId: 'spanning' };

describe('cascade API between two sfu-nodes', () => {
  const cluster = useSfuCluster();
  let a: RunningSfuNode;
  let b: RunningSfuNode;
  let capabilitiesB: RtpCapabilities;

  beforeAll(async () => {
    [a, b] = await Promise.all([cluster.spawn('cascade-a'), cluster.spawn('cascade-b')]);
    ({ rtpCapabilities: capabilitiesB } = await b.client.request('router.capabilities', room));
  });

  it('creates one pipe pair per room and node pair, connected with SRTP, idempotently', async () => {
    const endA = await a.client.request('pipe.create', { ...room, peerNodeId: b.id });
    const endB = await b.client.request('pipe.create', { ...room, peerNodeId: a.id });
    expect(await a.client.request('pipe.create', { ...room, peerNodeId: b.id })).toEqual(endA); // same pair
    expect(endA.srtpParameters.cryptoSuite).toEqual(expect.any(String));
    const { transportId: _a, ...toA } = endA;
    const { transportId: _b, ...toB } = endB;
    await a.client.request('pipe.connect', { ...room, peerNodeId: b.id, ...toB });
    await b.client.request('pipe.connect', { ...room, peerNodeId: a.id, ...toA });
    await a.client.request('pipe.connect', { ...room, peerNodeId: b.id, ...toB }); // repeated: fine
    await expect(
      a.client.request('pipe.connect', { ...room, peerNodeId: b.id, ...toB, port: toB.port + 1 }),
    ).rejects.toMatchObject({ code: 'CONFLICT' });
  });

  it('pipes a producer to the peer under the same id, once, and lets the peer’s participants consume it', async () => {
    const alice = { ...room, participantId: 'alice' };
    const { transportId } = await a.client.request('transport.createWebRtc', {
      ...alice,
      direction: 'send',
    });
    const { producerId } = await a.client.request('producer.create', {
      ...alice,
      transportId,
      kind: 'video',
      rtpParameters: vp8RtpParameters(),
      source: 'camera',
    });
    const { producerId: audioId } = await a.client.request('producer.create', {
      ...alice,
      transportId,
      kind: 'audio',
      rtpParameters: opusRtpParameters(),
      source: 'microphone',
    });

    const out = await a.client.request('pipe.produceOut', {
      ...room,
      peerNodeId: b.id,
      producerId,
    });
    expect(
      await a.client.request('pipe.produceOut', { ...room, peerNodeId: b.id, producerId }),
    ).toEqual(out);
    expect(out).toMatchObject({
      producerId,
      participantId: 'alice',
      kind: 'video',
      source: 'camera',
      paused: false,
    });
    await b.client.request('pipe.produceIn', { ...room, peerNodeId: a.id, ...out });
    await b.client.request('pipe.produceIn', { ...room, peerNodeId: a.id, ...out }); // repeated: fine
    await cluster.waitForEvent(
      'room',
      (e) =>
        e.type === 'producer.created' &&
        e.nodeId === b.id &&
        e.producerId === producerId &&
        e.piped,
    );

    const audioOut = await a.client.request('pipe.produceOut', {
      ...room,
      peerNodeId: b.id,
      producerId: audioId,
    });
    await b.client.request('pipe.produceIn', { ...room, peerNodeId: a.id, ...audioOut });

    const bob = { ...room, participantId: 'bob' };
    const { transportId: recv } = await b.client.request('transport.createWebRtc', {
      ...bob,
      direction: 'recv',
    });
    const consumer = await b.client.request('consumer.create', {
      ...bob,
      transportId: recv,
      producerId,
      rtpCapabilities: capabilitiesB,
    });
    expect(consumer).toMatchObject({ producerId, kind: 'video', paused: true });

    const dumpA = await a.client.request('room.dump', room);
    const dumpB = await b.client.request('room.dump', room);
    expect(dumpA['pipes']).toEqual([
      expect.objectContaining({
        peerNodeId: b.id,
        connected: true,
        outbound: [producerId, audioId],
        inbound: [],
      }),
    ]);
    expect(dumpB['pipes']).toEqual([
      expect.objectContaining({
        peerNodeId: a.id,
        connected: true,
        inbound: [producerId, audioId],
      }),
    ]);

    // The piped copy goes away on B: B's consumer of it closes, and the room hears it.
    await b.client.request('pipe.closeProducer', { ...room, peerNodeId: a.id, producerId });
    await cluster.waitForEvent(
      'room',
      (e) =>
        e.type === 'consumer.closed' &&
        e.nodeId === b.id &&
        e.consumerId === consumer.consumerId &&
        e.reason === 'producer-closed',
    );
    await cluster.waitForEvent(
      'room',
      (e) =>
        e.type === 'producer.closed' &&
        e.nodeId === b.id &&
        e.producerId === producerId &&
        e.reason === 'pipe-closed',
    );
  });

  it('refuses to pipe a producer back to the node it came from', async () => {
    const producers = (await b.client.request('room.dump', room))['producers'] as Array<{
      producerId: string;
      fromNodeId?: string;
    }>;
    const piped = producers.find((p) => p.fromNodeId === a.id)!;
    const error = await b.client
      .request('pipe.produceOut', { ...room, peerNodeId: a.id, producerId: piped.producerId })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CascadeError);
    expect(error).toMatchObject({
      code: 'INVALID_ARGUMENT',
      message: expect.stringContaining('cannot go back'),
    });
  });

  it('closing the pipe closes every producer piped in through it', async () => {
    await b.client.request('pipe.close', { ...room, peerNodeId: a.id });
    await cluster.waitForEvent(
      'room',
      (e) =>
        e.type === 'producer.closed' &&
        e.nodeId === b.id &&
        e.reason === 'pipe-closed' &&
        e.participantId === 'alice',
    );
    const dumpB = await b.client.request('room.dump', room);
    expect(dumpB['pipes']).toEqual([]);
    expect((dumpB['producers'] as unknown[]).length).toBe(0);
  });

  it('a pipe.create for a peer this end is connected to replaces that end (it is from before the orchestrator lost the pair: a node cut off and back)', async () => {
    const returning = { tenantId: 'acme', roomId: 'returning' };
    const far = ({ ip, port, srtpParameters }: SfuControlResult<'pipe.create'>) => ({
      ip,
      port,
      srtpParameters,
    });
    const oldA = await a.client.request('pipe.create', { ...returning, peerNodeId: b.id });
    const oldB = await b.client.request('pipe.create', { ...returning, peerNodeId: a.id });
    await a.client.request('pipe.connect', { ...returning, peerNodeId: b.id, ...far(oldB) });
    await b.client.request('pipe.connect', { ...returning, peerNodeId: a.id, ...far(oldA) });
    // B closes its end (the orchestrator closed it there when A was declared lost); A, cut off,
    // kept its own. The orchestrator opens the pair again when A is back.
    await b.client.request('pipe.close', { ...returning, peerNodeId: a.id });
    const newA = await a.client.request('pipe.create', { ...returning, peerNodeId: b.id });
    const newB = await b.client.request('pipe.create', { ...returning, peerNodeId: a.id });
    expect(newA.transportId).not.toBe(oldA.transportId);
    // A create repeated before the connect answers the same end.
    expect(await a.client.request('pipe.create', { ...returning, peerNodeId: b.id })).toEqual(newA);
    // The new ends connect to each other (the old one, connected to B's old end, would refuse).
    await a.client.request('pipe.connect', { ...returning, peerNodeId: b.id, ...far(newB) });
    await b.client.request('pipe.connect', { ...returning, peerNodeId: a.id, ...far(newA) });
    const pipesOfA = (await a.client.request('room.dump', returning))['pipes'] as Array<{
      transportId?: string;
    }>;
    expect(pipesOfA).toHaveLength(1);
    expect(JSON.stringify(pipesOfA)).toContain(newA.transportId);
    expect(JSON.stringify(pipesOfA)).not.toContain(oldA.transportId);
  });
});
