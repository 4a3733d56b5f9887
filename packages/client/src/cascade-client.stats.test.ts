import { tick, useFakeClients } from '../test/support/client-harness';
import { fakeTrack, until } from '../test/support/fake-gateway';

const setup = useFakeClients();

/** A clock that moves two seconds on every reading: each stats sample is an interval apart. */
function steppingClock() {
  let now = 0;
  return () => (now += 2_000);
}

describe('CascadeClient statistics', () => {
  it('lists every remote and local track and both transports', async () => {
    const { gateway, client } = setup({}, { now: steppingClock() });
    const camera = gateway.addProducer('alice', 'video', 'camera');
    await expect(client.getStats()).rejects.toMatchObject({ code: 'CONFLICT' });
    const room = await client.join();
    const mic = await client.publishMicrophone(fakeTrack('audio'));
    await client.mute('microphone');

    const stats = await client.getStats();

    // mediasoup-client's fake handler has empty reports: the figures are zeros.
    expect(stats.timestamp).toBeGreaterThan(0);
    expect(stats.remote).toEqual([
      {
        participantId: 'alice',
        producerId: camera.producerId,
        consumerId: room.tracks[0]?.consumerId,
        kind: 'video',
        source: 'camera',
        muted: false,
        bytesReceived: 0,
        packetsReceived: 0,
        packetsLost: 0,
        jitter: 0,
      },
    ]);
    expect(stats.local).toEqual([
      {
        source: 'microphone',
        kind: 'audio',
        producerId: mic.producerId,
        muted: true,
        bytesSent: 0,
        packetsSent: 0,
        encodings: [],
      },
    ]);
    expect(stats.transports.map((t) => t.direction).sort()).toEqual(['recv', 'send']);
    expect(JSON.parse(JSON.stringify(stats))).toEqual(stats); // plain data
  });

  it('samples nothing before the client joined', async () => {
    const { client, named } = setup({}, { now: steppingClock() });
    client.startQualityMonitor(2);
    await tick(20);
    expect(named('connectionQuality')).toEqual([]);
    await client.join();
    await until(() => named('connectionQuality').length === 1, 'a quality once joined');
  });

  it('emits the connection quality when it changes, and only then', async () => {
    const { gateway, client, named } = setup({}, { now: steppingClock() });
    gateway.addProducer('alice', 'video', 'camera');
    await client.join();
    client.startQualityMonitor(2);

    // The fake handler's counters never move: the first sample knows no better than excellent,
    // the second finds that nothing arrived.
    await until(() => named('connectionQuality').length === 2, 'two quality changes');
    await tick(30);
    const changes = named('connectionQuality').map(({ local, remote }) => ({
      local,
      remote: Object.fromEntries(remote),
    }));
    expect(changes).toEqual([
      { local: 'excellent', remote: { alice: 'excellent' } },
      { local: 'lost', remote: { alice: 'lost' } },
    ]);
    expect(client.quality?.local).toBe('lost');

    client.stopQualityMonitor();
    expect(client.quality).toBeUndefined();
    client.startQualityMonitor(2);
    await until(() => named('connectionQuality').length === 3, 'the first quality again');
    await client.leave(); // stops it
    const count = named('connectionQuality').length;
    await tick(20);
    expect(named('connectionQuality')).toHaveLength(count);
  });
});
