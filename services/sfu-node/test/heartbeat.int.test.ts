import { vp8RtpParameters } from '@cascade/testing';
import { useSfuCluster } from './support/sfu-nodes';

const room = { tenantId: 'acme', roomId: 'standup' };

describe('sfu-node heartbeat', () => {
  const cluster = useSfuCluster();

  it('says who the node is, how it is configured, and what each worker carries', async () => {
    const node = await cluster.spawn('beat-node', {
      SFU_REGION: 'eu-west',
      SFU_MAX_STREAMS: '300',
    });
    const { transportId } = await node.client.request('transport.createWebRtc', {
      ...room,
      participantId: 'alice',
      direction: 'send',
    });
    await node.client.request('producer.create', {
      ...room,
      participantId: 'alice',
      transportId,
      kind: 'video',
      rtpParameters: vp8RtpParameters(),
      source: 'camera',
    });
    const seen = cluster.captured.heartbeats.length;

    const beat = await cluster.waitForEvent(
      'heartbeats',
      (h) =>
        h.nodeId === 'beat-node' &&
        h.totals.producers === 1 &&
        cluster.captured.heartbeats.indexOf(h) >= seen,
      'a heartbeat counting the producer',
    );
    expect(beat).toMatchObject({
      region: 'eu-west',
      state: 'serving',
      version: expect.any(String),
      addresses: { announcedAddress: '127.0.0.1', rtcBasePort: expect.any(Number) },
      capacity: { maxStreams: 300 },
      totals: { rooms: 1, participants: 1, producers: 1, consumers: 0 },
    });
    expect(beat.workers).toEqual([
      expect.objectContaining({
        index: 0,
        routers: 1,
        transports: 1,
        producers: 1,
        consumers: 0,
        cpu: expect.any(Number),
      }),
    ]);

    // Heartbeats keep coming, in sequence.
    const next = await cluster.waitForEvent(
      'heartbeats',
      (h) => h.nodeId === 'beat-node' && h.sequence > beat.sequence,
    );
    expect(next.sentAt).toBeGreaterThanOrEqual(beat.sentAt);
  });
});
