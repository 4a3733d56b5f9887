import type { MediaKind, MediaSource } from '@cascade/contracts';

import type { RemoteTrackInfo } from '../types';
import type {
  CallStats,
  LocalEncodingStats,
  LocalTrackStats,
  RemoteTrackStats,
  TransportStats,
} from './stats-types';

/**
 * An `RTCStatsReport` as browsers and @roamhq/wrtc give it (a maplike of stats objects), or a
 * `Map` of plain objects in tests.
 */
export interface StatsReportLike {
  forEach(callback: (stat: unknown) => void): void;
}

/** One transport and its `getStats()` report (undefined when the report could not be had). */
export interface TransportSample {
  id: string;
  direction: 'send' | 'recv';
  connectionState: string;
  report: StatsReportLike | undefined;
}

/** A consumer, as the report names it: its track's id, its `mid` and the SSRCs it receives. */
export interface ConsumerSample {
  info: RemoteTrackInfo;
  /** The receiving track's id (`trackIdentifier` in `inbound-rtp`). */
  trackId: string | undefined;
  /** mediasoup-client's `localId`: the transceiver's `mid`. */
  mid: string | undefined;
  ssrcs: number[];
}

/** A producer, as the report names it: its `mid`, and the SSRCs and RIDs of its encodings. */
export interface ProducerSample {
  source: MediaSource;
  kind: MediaKind;
  producerId: string;
  muted: boolean;
  mid: string | undefined;
  ssrcs: number[];
  /** RIDs of its encodings, lowest layer first (simulcast). */
  rids: string[];
}

export interface CallStatsSample {
  timestamp: number;
  transports: TransportSample[];
  consumers: ConsumerSample[];
  producers: ProducerSample[];
}

/** A stats object of a report: `id`, `type`, and whatever else its type has. */
type Stat = Record<string, unknown> & { id: string; type: string };

/**
 * Reads one {@link CallStats} sample out of the transports' `getStats()` reports (one report
 * per transport: every consumer's `inbound-rtp` is in the receive transport's, every producer's
 * `outbound-rtp` in the send transport's). Per-sender and per-receiver `getStats()` would be
 * simpler, but @roamhq/wrtc does not implement them.
 *
 * A consumer's `inbound-rtp` is found by its track's id (`trackIdentifier`), else by its `mid`,
 * else by its SSRC; a producer's `outbound-rtp` entries (one per simulcast layer) by `mid`, else
 * by SSRC. Pure: no I/O, so any browser's report shape can be tried in a unit test.
 */
export function readCallStats(sample: CallStatsSample): CallStats {
  const byDirection = new Map<'send' | 'recv', Stat[]>();
  const transports: TransportStats[] = sample.transports.map((transport) => {
    const stats = entriesOf(transport.report);
    byDirection.set(transport.direction, [
      ...(byDirection.get(transport.direction) ?? []),
      ...stats,
    ]);
    return transportStats(transport, stats);
  });
  const received = byDirection.get('recv') ?? [];
  const sent = byDirection.get('send') ?? [];
  return {
    timestamp: sample.timestamp,
    remote: sample.consumers.map((consumer) => remoteTrackStats(consumer, received)),
    local: sample.producers.map((producer) => localTrackStats(producer, sent)),
    transports,
  };
}

function entriesOf(report: StatsReportLike | undefined): Stat[] {
  const stats: Stat[] = [];
  report?.forEach((stat) => {
    if (typeof stat === 'object' && stat !== null && typeof (stat as Stat).type === 'string')
      stats.push(stat as Stat);
  });
  return stats;
}

function transportStats(transport: TransportSample, stats: Stat[]): TransportStats {
  const result: TransportStats = {
    transportId: transport.id,
    direction: transport.direction,
    connectionState: transport.connectionState,
  };
  const pair = selectedPair(stats);
  if (!pair) return result;
  copyNumber(result, 'currentRoundTripTime', pair);
  copyNumber(result, 'availableOutgoingBitrate', pair);
  copyNumber(result, 'bytesSent', pair);
  copyNumber(result, 'bytesReceived', pair);
  return result;
}

/**
 * The candidate pair in use: the one the `transport` stats name (Chrome, Safari, libwebrtc),
 * else the one marked `selected` (Firefox), else a nominated, succeeded one.
 */
function selectedPair(stats: Stat[]): Stat | undefined {
  const pairs = stats.filter((s) => s.type === 'candidate-pair');
  const named = new Set(
    stats
      .filter((s) => s.type === 'transport' && typeof s['selectedCandidatePairId'] === 'string')
      .map((s) => s['selectedCandidatePairId'] as string),
  );
  return (
    pairs.find((p) => named.has(p.id)) ??
    pairs.find((p) => p['selected'] === true) ??
    pairs.find((p) => p['nominated'] === true && p['state'] === 'succeeded')
  );
}

function remoteTrackStats(consumer: ConsumerSample, stats: Stat[]): RemoteTrackStats {
  const { participantId, producerId, consumerId, kind, source, muted } = consumer.info;
  const result: RemoteTrackStats = {
    participantId,
    producerId,
    consumerId,
    kind,
    source,
    muted,
    bytesReceived: 0,
    packetsReceived: 0,
    packetsLost: 0,
    jitter: 0,
  };
  const inbound = stats.filter((s) => s.type === 'inbound-rtp');
  const rtp =
    (consumer.trackId !== undefined &&
      inbound.find((s) => s['trackIdentifier'] === consumer.trackId)) ||
    (consumer.mid !== undefined && inbound.find((s) => s['mid'] === consumer.mid)) ||
    inbound.find((s) => consumer.ssrcs.includes(s['ssrc'] as number));
  if (!rtp) return result;
  result.bytesReceived = numberOr(rtp['bytesReceived'], 0);
  result.packetsReceived = numberOr(rtp['packetsReceived'], 0);
  result.packetsLost = numberOr(rtp['packetsLost'], 0);
  result.jitter = numberOr(rtp['jitter'], 0);
  // Older browsers keep frame and level figures on the (deprecated) `track` stats.
  const track = stats.find((s) => s.type === 'track' && s.id === rtp['trackId']);
  const fields =
    kind === 'video'
      ? (['framesDecoded', 'framesPerSecond', 'frameWidth', 'frameHeight'] as const)
      : (['audioLevel'] as const);
  for (const field of fields) copyNumber(result, field, rtp, track);
  return result;
}

function localTrackStats(producer: ProducerSample, stats: Stat[]): LocalTrackStats {
  const { source, kind, producerId, muted } = producer;
  const outbound = stats.filter((s) => s.type === 'outbound-rtp');
  const byMid = producer.mid === undefined ? [] : outbound.filter((s) => s['mid'] === producer.mid);
  const streams = (
    byMid.length > 0 ? byMid : outbound.filter((s) => producer.ssrcs.includes(s['ssrc'] as number))
  ).sort((a, b) => layerOrder(producer, a) - layerOrder(producer, b));
  const encodings = streams.map((stream) => encodingStats(stream, stats));
  const result: LocalTrackStats = {
    source,
    kind,
    producerId,
    muted,
    bytesSent: sum(encodings.map((e) => e.bytesSent)),
    packetsSent: sum(encodings.map((e) => e.packetsSent)),
    encodings,
  };
  const top = largestSent(encodings);
  if (top) {
    for (const field of ['frameWidth', 'frameHeight', 'framesPerSecond'] as const)
      copyNumber(result, field, top);
  }
  const reasons = encodings.flatMap((e) => e.qualityLimitationReason ?? []);
  const reason = reasons.find((r) => r !== 'none') ?? reasons[0];
  if (reason !== undefined) result.qualityLimitationReason = reason;
  const lost = encodings.flatMap((e) => e.packetsLost ?? []);
  if (lost.length > 0) result.packetsLost = sum(lost);
  const rtts = encodings.flatMap((e) => e.roundTripTime ?? []);
  if (rtts.length > 0) result.roundTripTime = Math.max(...rtts);
  return result;
}

function encodingStats(stream: Stat, stats: Stat[]): LocalEncodingStats {
  const result: LocalEncodingStats = {
    bytesSent: numberOr(stream['bytesSent'], 0),
    packetsSent: numberOr(stream['packetsSent'], 0),
  };
  if (typeof stream['rid'] === 'string') result.rid = stream['rid'];
  if (typeof stream['active'] === 'boolean') result.active = stream['active'];
  copyNumber(result, 'ssrc', stream);
  for (const field of ['frameWidth', 'frameHeight', 'framesPerSecond'] as const)
    copyNumber(result, field, stream);
  if (typeof stream['qualityLimitationReason'] === 'string')
    result.qualityLimitationReason = stream['qualityLimitationReason'];
  // What the SFU said of this stream (RTCP receiver reports).
  const remote = stats.find(
    (s) =>
      s.type === 'remote-inbound-rtp' &&
      (s['localId'] === stream.id || s.id === stream['remoteId']),
  );
  if (remote) {
    copyNumber(result, 'packetsLost', remote);
    copyNumber(result, 'roundTripTime', remote);
  }
  return result;
}

/** Lowest layer first: by the producer's RID order, else by frame height. */
function layerOrder(producer: ProducerSample, stream: Stat): number {
  const rid = producer.rids.indexOf(stream['rid'] as string);
  return rid >= 0 ? rid : numberOr(stream['frameHeight'], 0);
}

/** The largest layer that is being sent (frames flowing), else the largest there is. */
function largestSent(encodings: LocalEncodingStats[]): LocalEncodingStats | undefined {
  const sized = encodings.filter((e) => e.frameHeight !== undefined);
  const flowing = sized.filter((e) => (e.framesPerSecond ?? 0) > 0);
  const candidates = flowing.length > 0 ? flowing : sized;
  return candidates.reduce<LocalEncodingStats | undefined>(
    (top, e) => (top && (top.frameHeight ?? 0) >= (e.frameHeight ?? 0) ? top : e),
    undefined,
  );
}

/** Sets `target[field]` to the first finite number among the sources' `field`. */
function copyNumber<T extends object>(
  target: T,
  field: keyof T & string,
  ...sources: Array<object | undefined>
): void {
  for (const source of sources) {
    const value = (source as Record<string, unknown> | undefined)?.[field];
    if (typeof value === 'number' && Number.isFinite(value)) {
      (target as Record<string, unknown>)[field] = value;
      return;
    }
  }
}

function numberOr(value: unknown, fallback: number): number {
  return typeof value === 'number' && Number.isFinite(value) ? value : fallback;
}

function sum(values: number[]): number {
  return values.reduce((total, value) => total + value, 0);
}
