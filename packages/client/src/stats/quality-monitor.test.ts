import { until } from '../../test/support/fake-gateway';
import { QualityMonitor } from './quality-monitor';
import type { CallStats, ConnectionQuality, RemoteTrackStats } from './stats-types';

/** Alice's camera, having received `packets` so far. */
function alice(packets: number): RemoteTrackStats {
  return {
    participantId: 'alice',
    producerId: 'p1',
    consumerId: 'c1',
    kind: 'video',
    source: 'camera',
    muted: false,
    bytesReceived: packets * 1_000,
    packetsReceived: packets,
    packetsLost: 0,
    jitter: 0,
  };
}

/**
 * A stats source that plays `packets` back one sample at a time, two seconds apart (then
 * repeats the last), counting how often it was asked.
 */
function fakeStats(packets: number[]) {
  let taken = 0;
  const source = async (): Promise<CallStats> => {
    const index = Math.min(taken, packets.length - 1);
    const timestamp = taken++ * 2_000;
    return {
      timestamp,
      remote: [alice(packets[index]!)],
      local: [],
      transports: [],
    };
  };
  return { source, taken: () => taken };
}

function monitor(stats: () => Promise<CallStats>) {
  const reported: Array<{ local: string; remote: Record<string, string> }> = [];
  const errors: unknown[] = [];
  const quality = new QualityMonitor({
    stats,
    onChange: (q: ConnectionQuality) =>
      reported.push({ local: q.local, remote: Object.fromEntries(q.remote) }),
    onError: (error) => errors.push(error),
  });
  return { quality, reported, errors };
}

const monitors: QualityMonitor[] = [];
afterEach(() => monitors.splice(0).forEach((m) => m.stop()));

describe('QualityMonitor', () => {
  it('reports the first quality, then only changes', async () => {
    // Flowing, flowing, stalled, stalled, flowing again, then the same sample over and over
    // (which is a stall: nothing new arrives).
    const stats = fakeStats([100, 200, 200, 200, 300, 400, 500]);
    const { quality, reported } = monitor(stats.source);
    monitors.push(quality);
    quality.start(1);
    await until(() => stats.taken() >= 10, 'ten samples');
    expect(reported).toEqual([
      { local: 'excellent', remote: { alice: 'excellent' } },
      { local: 'lost', remote: { alice: 'lost' } },
      { local: 'excellent', remote: { alice: 'excellent' } },
      { local: 'lost', remote: { alice: 'lost' } },
    ]);
    expect(quality.quality?.local).toBe('lost');
  });

  it('stops sampling when stopped, and begins afresh when started again', async () => {
    const stats = fakeStats(Array.from({ length: 1_000 }, (_, i) => (i + 1) * 100)); // flowing
    const { quality, reported } = monitor(stats.source);
    monitors.push(quality);
    quality.start(1);
    await until(() => reported.length === 1, 'the first report');
    quality.stop();
    const taken = stats.taken();
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(stats.taken()).toBeLessThanOrEqual(taken + 1); // one may have been under way
    expect(quality.running).toBe(false);
    expect(quality.quality).toBeUndefined();
    quality.start(1);
    await until(() => reported.length === 2, 'a report after the restart');
  });

  it('carries on after a sample fails', async () => {
    let calls = 0;
    const { quality, reported, errors } = monitor(async () => {
      if (++calls === 1) throw new Error('not joined yet');
      return { timestamp: calls, remote: [], local: [], transports: [] };
    });
    monitors.push(quality);
    quality.start(1);
    await until(() => reported.length === 1, 'a report');
    expect(errors).toEqual([new Error('not joined yet')]);
  });

  it('refuses an interval that is not a positive number', () => {
    const { quality } = monitor(fakeStats([1]).source);
    expect(() => quality.start(0)).toThrow(RangeError);
    expect(() => quality.start(Number.NaN)).toThrow(RangeError);
  });
});
