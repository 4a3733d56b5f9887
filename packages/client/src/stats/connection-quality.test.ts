import { QUALITY_THRESHOLDS, connectionQuality, sameQuality } from './connection-quality';
import type {
  CallStats,
  LocalTrackStats,
  Quality,
  RemoteTrackStats,
  TransportStats,
} from './stats-types';

/** A remote track of `participantId` that received `packets` and lost `lost` so far. */
function received(
  participantId: string,
  consumerId: string,
  packets: number,
  lost = 0,
  muted = false,
): RemoteTrackStats {
  return {
    participantId,
    producerId: `p-${consumerId}`,
    consumerId,
    kind: 'video',
    source: 'camera',
    muted,
    bytesReceived: packets * 1_000,
    packetsReceived: packets,
    packetsLost: lost,
    jitter: 0.002,
  };
}

/** A local track that sent `packets`, of which the SFU reports `lost` lost. */
function sent(producerId: string, packets: number, lost = 0, muted = false): LocalTrackStats {
  return {
    source: 'camera',
    kind: 'video',
    producerId,
    muted,
    bytesSent: packets * 1_000,
    packetsSent: packets,
    packetsLost: lost,
    encodings: [],
  };
}

function transport(
  direction: 'send' | 'recv',
  roundTripMs: number,
  connectionState = 'connected',
): TransportStats {
  return {
    transportId: `t-${direction}`,
    direction,
    connectionState,
    currentRoundTripTime: roundTripMs / 1_000,
  };
}

function stats(
  timestamp: number,
  parts: { remote?: RemoteTrackStats[]; local?: LocalTrackStats[]; transports?: TransportStats[] },
): CallStats {
  return {
    timestamp,
    remote: parts.remote ?? [],
    local: parts.local ?? [],
    transports: parts.transports ?? [transport('send', 20), transport('recv', 20)],
  };
}

interface Case {
  name: string;
  previous: CallStats | undefined;
  current: CallStats;
  elapsedMs?: number;
  local: Quality;
  remote: Record<string, Quality>;
}

const cases: Case[] = [
  {
    name: 'no loss and a short round trip are excellent',
    previous: stats(0, { remote: [received('alice', 'c1', 100)], local: [sent('l1', 100)] }),
    current: stats(2_000, { remote: [received('alice', 'c1', 300)], local: [sent('l1', 300)] }),
    local: 'excellent',
    remote: { alice: 'excellent' },
  },
  {
    name: 'loss is counted over the interval only: 3% of its packets is good',
    previous: stats(0, { remote: [received('alice', 'c1', 1_000, 500)] }),
    current: stats(2_000, { remote: [received('alice', 'c1', 1_970, 530)] }),
    local: 'good',
    remote: { alice: 'good' },
  },
  {
    name: '10% loss is poor',
    previous: stats(0, { remote: [received('alice', 'c1', 100)] }),
    current: stats(2_000, { remote: [received('alice', 'c1', 190, 10)] }),
    local: 'poor',
    remote: { alice: 'poor' },
  },
  {
    name: 'a 300 ms round trip is good without any loss, 800 ms poor',
    previous: stats(0, { remote: [received('alice', 'c1', 100)] }),
    current: stats(2_000, {
      remote: [received('alice', 'c1', 200)],
      transports: [transport('send', 800), transport('recv', 300)],
    }),
    local: 'poor',
    remote: { alice: 'good' },
  },
  {
    name: 'a participant is as good as its worst track',
    previous: stats(0, { remote: [received('alice', 'c1', 100), received('alice', 'c2', 100)] }),
    current: stats(2_000, {
      remote: [received('alice', 'c1', 200), received('alice', 'c2', 190, 10)],
    }),
    local: 'good',
    remote: { alice: 'poor' },
  },
  {
    name: 'a track that received nothing during the interval is lost; the others are not',
    previous: stats(0, { remote: [received('alice', 'c1', 100), received('bob', 'c2', 100)] }),
    current: stats(2_000, { remote: [received('alice', 'c1', 100), received('bob', 'c2', 200)] }),
    local: 'excellent',
    remote: { alice: 'lost', bob: 'excellent' },
  },
  {
    name: 'when every track received nothing, this client is the one cut off',
    previous: stats(0, { remote: [received('alice', 'c1', 100), received('bob', 'c2', 100)] }),
    current: stats(2_000, { remote: [received('alice', 'c1', 100), received('bob', 'c2', 100)] }),
    local: 'lost',
    remote: { alice: 'lost', bob: 'lost' },
  },
  {
    name: 'a muted track is expected to receive nothing',
    previous: stats(0, { remote: [received('alice', 'c1', 100, 0, true)] }),
    current: stats(2_000, { remote: [received('alice', 'c1', 100, 0, true)] }),
    local: 'excellent',
    remote: { alice: 'excellent' },
  },
  {
    name: 'a track just unmuted gets an interval before it can be lost',
    previous: stats(0, { remote: [received('alice', 'c1', 100, 0, true)] }),
    current: stats(2_000, { remote: [received('alice', 'c1', 100)] }),
    local: 'excellent',
    remote: { alice: 'excellent' },
  },
  {
    name: 'a track new since the last sample is not lost yet',
    previous: stats(0, {}),
    current: stats(2_000, { remote: [received('alice', 'c1', 0)] }),
    local: 'excellent',
    remote: { alice: 'excellent' },
  },
  {
    name: 'without a previous sample, loss counts since the start and nothing is lost',
    previous: undefined,
    current: stats(2_000, { remote: [received('alice', 'c1', 0), received('bob', 'c2', 95, 5)] }),
    elapsedMs: 0,
    local: 'good',
    remote: { alice: 'excellent', bob: 'good' },
  },
  {
    name: 'an interval too short to expect packets judges no stall',
    previous: stats(0, { remote: [received('alice', 'c1', 100)] }),
    current: stats(300, { remote: [received('alice', 'c1', 100)] }),
    local: 'excellent',
    remote: { alice: 'excellent' },
  },
  {
    name: 'loss the SFU reports of what this client sends is its own',
    previous: stats(0, { local: [sent('l1', 1_000, 0)], remote: [received('alice', 'c1', 100)] }),
    current: stats(2_000, {
      local: [sent('l1', 2_000, 50)],
      remote: [received('alice', 'c1', 200)],
    }),
    local: 'good',
    remote: { alice: 'excellent' },
  },
  {
    name: 'a published track that sent nothing is lost, unless muted',
    previous: stats(0, { local: [sent('l1', 1_000), sent('l2', 50, 0, true)] }),
    current: stats(2_000, { local: [sent('l1', 1_000), sent('l2', 50, 0, true)] }),
    local: 'lost',
    remote: {},
  },
  {
    name: 'a transport that failed or disconnected is lost',
    previous: stats(0, {}),
    current: stats(2_000, { transports: [transport('send', 20, 'disconnected')] }),
    local: 'lost',
    remote: {},
  },
  {
    name: 'nothing to measure is excellent',
    previous: undefined,
    current: stats(0, { transports: [] }),
    local: 'excellent',
    remote: {},
  },
];

describe('connectionQuality', () => {
  it.each(cases)('$name', ({ previous, current, elapsedMs, local, remote }) => {
    const quality = connectionQuality(
      previous,
      current,
      elapsedMs ?? current.timestamp - (previous?.timestamp ?? current.timestamp),
    );
    expect({ local: quality.local, remote: Object.fromEntries(quality.remote) }).toEqual({
      local,
      remote,
    });
  });

  it('grades within the published thresholds', () => {
    expect(QUALITY_THRESHOLDS.excellent.loss).toBeLessThan(QUALITY_THRESHOLDS.good.loss);
    expect(QUALITY_THRESHOLDS.excellent.roundTripMs).toBeLessThan(
      QUALITY_THRESHOLDS.good.roundTripMs,
    );
  });
});

describe('sameQuality', () => {
  const quality = (local: Quality, remote: Record<string, Quality>) => ({
    local,
    remote: new Map(Object.entries(remote)),
  });

  it('compares the local grade and every participant', () => {
    expect(sameQuality(quality('good', { a: 'poor' }), quality('good', { a: 'poor' }))).toBe(true);
    expect(sameQuality(undefined, quality('good', {}))).toBe(false);
    expect(sameQuality(quality('good', {}), quality('poor', {}))).toBe(false);
    expect(sameQuality(quality('good', { a: 'poor' }), quality('good', { a: 'lost' }))).toBe(false);
    expect(sameQuality(quality('good', { a: 'poor' }), quality('good', { b: 'poor' }))).toBe(false);
    expect(sameQuality(quality('good', {}), quality('good', { a: 'good' }))).toBe(false);
  });
});
