import type { CallStats, ConnectionQuality, Quality, RemoteTrackStats } from './stats-types';

/**
 * The grades' limits: a connection is `excellent` while its packet loss (a fraction of the
 * packets of the interval) and its round-trip time stay within the first, `good` within the
 * second, `poor` beyond.
 */
export const QUALITY_THRESHOLDS = {
  excellent: { loss: 0.02, roundTripMs: 200 },
  good: { loss: 0.08, roundTripMs: 500 },
} as const;

/**
 * An interval shorter than this is too short to call a track `lost` for receiving nothing (a
 * silent microphone with Opus DTX sends a packet every 400 ms).
 */
export const STALL_MIN_INTERVAL_MS = 1_000;

const ORDER: readonly Quality[] = ['excellent', 'good', 'poor', 'lost'];

/**
 * The connection quality over the interval between two {@link CallStats} samples, `elapsedMs`
 * apart (without `previous`, over everything since the tracks started; nothing is `lost` then).
 *
 * - `remote`, per participant this client receives tracks of: the worst of its tracks, each
 *   graded by its packet loss over the interval and the receive transport's round-trip time;
 *   `lost` when a track (not muted, and already in `previous`) received no packet at all.
 * - `local`, this client's own connection: the worse of what it sends (loss the SFU reports,
 *   summed over its tracks) and what it receives (loss over all remote tracks), with the largest
 *   round-trip time of its transports; `lost` when a transport failed or disconnected, when
 *   no remote track received anything (while some should have), or when a published track sent
 *   nothing.
 *
 * Nothing measured (no tracks, no transports) counts as `excellent`. Pure.
 */
export function connectionQuality(
  previous: CallStats | undefined,
  current: CallStats,
  elapsedMs: number,
): ConnectionQuality {
  const judgeStalls = previous !== undefined && elapsedMs >= STALL_MIN_INTERVAL_MS;
  const roundTrip = (direction?: 'send' | 'recv'): number =>
    Math.max(
      0,
      ...current.transports
        .filter((t) => direction === undefined || t.direction === direction)
        .map((t) => (t.currentRoundTripTime ?? 0) * 1_000),
    );

  // What arrived of each remote track over the interval.
  const remote = new Map<string, Quality>();
  const downlink = { packets: 0, lost: 0, expected: 0, stalled: 0 };
  const recvRoundTrip = roundTrip('recv');
  for (const track of current.remote) {
    const before = previous?.remote.find((t) => t.consumerId === track.consumerId);
    const { packets, lost } = delta(track, before);
    const expected = judgeStalls && before !== undefined && !track.muted && !before.muted;
    const stalled = expected && packets <= 0;
    if (!track.muted) {
      downlink.packets += packets;
      downlink.lost += lost;
    }
    if (expected) downlink.expected++;
    if (stalled) downlink.stalled++;
    const quality = stalled ? 'lost' : grade(lossFraction(packets, lost), recvRoundTrip);
    remote.set(track.participantId, worst(remote.get(track.participantId), quality));
  }

  // What was sent, and what the SFU says was lost of it.
  const uplink = { packets: 0, lost: 0, stalled: false };
  for (const track of current.local) {
    const before = previous?.local.find((t) => t.producerId === track.producerId);
    if (track.muted) continue;
    const packets = track.packetsSent - (before?.packetsSent ?? 0);
    uplink.packets += Math.max(0, packets);
    uplink.lost += Math.max(0, (track.packetsLost ?? 0) - (before?.packetsLost ?? 0));
    if (judgeStalls && before !== undefined && !before.muted && packets <= 0) uplink.stalled = true;
  }

  const broken = current.transports.some(
    (t) => t.connectionState === 'failed' || t.connectionState === 'disconnected',
  );
  const deaf = downlink.expected > 0 && downlink.stalled === downlink.expected;
  const local =
    broken || deaf || uplink.stalled
      ? 'lost'
      : grade(
          Math.max(
            lossFraction(uplink.packets, uplink.lost),
            lossFraction(downlink.packets, downlink.lost),
          ),
          roundTrip(),
        );
  return { local, remote };
}

/** Whether two qualities say the same: the same `local`, and the same participants alike. */
export function sameQuality(a: ConnectionQuality | undefined, b: ConnectionQuality): boolean {
  if (!a || a.local !== b.local || a.remote.size !== b.remote.size) return false;
  for (const [participantId, quality] of b.remote)
    if (a.remote.get(participantId) !== quality) return false;
  return true;
}

function delta(
  track: RemoteTrackStats,
  before: RemoteTrackStats | undefined,
): { packets: number; lost: number } {
  return {
    packets: track.packetsReceived - (before?.packetsReceived ?? 0),
    // packetsLost can go down (late packets arrive after all): never below nothing.
    lost: Math.max(0, track.packetsLost - (before?.packetsLost ?? 0)),
  };
}

function lossFraction(packets: number, lost: number): number {
  const total = Math.max(0, packets) + lost;
  return total > 0 ? lost / total : 0;
}

function grade(loss: number, roundTripMs: number): Quality {
  const { excellent, good } = QUALITY_THRESHOLDS;
  if (loss <= excellent.loss && roundTripMs <= excellent.roundTripMs) return 'excellent';
  if (loss <= good.loss && roundTripMs <= good.roundTripMs) return 'good';
  return 'poor';
}

function worst(a: Quality | undefined, b: Quality): Quality {
  return a === undefined || ORDER.indexOf(b) > ORDER.indexOf(a) ? b : a;
}
