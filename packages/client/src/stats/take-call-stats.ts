import type { types as client } from 'mediasoup-client';

import type { CascadeLogger } from '../logger';
import type { MediaSession } from '../media/media-session';
import type { Publication } from '../media/publications';
import type { RemoteTrackInfo } from '../types';
import { readCallStats } from './call-stats';
import type { CallStats } from './stats-types';

export interface CallStatsSources {
  /** The media session, if the client has one. */
  media: MediaSession | undefined;
  /** The remote tracks the client receives. */
  tracks: Iterable<RemoteTrackInfo>;
  /** The client's publications. */
  publications: Iterable<Publication>;
  now: () => number;
  logger: CascadeLogger;
}

/**
 * Takes one {@link CallStats} sample of a media session: each open transport's `getStats()`
 * report, read for the consumers of `tracks` and the producers of `publications` that are alive
 * ({@link readCallStats}). A report that cannot be had leaves its transport without figures.
 */
export async function takeCallStats({
  media,
  tracks,
  publications,
  now,
  logger,
}: CallStatsSources): Promise<CallStats> {
  if (!media || media.closed) return { timestamp: now(), remote: [], local: [], transports: [] };
  const consumers = [...tracks].flatMap((info) => {
    const consumer = media.consumers.get(info.consumerId);
    if (!consumer || consumer.closed) return [];
    return [
      {
        info: { ...info },
        trackId: (consumer.track as { id?: string } | null)?.id,
        mid: consumer.localId,
        ssrcs: ssrcsOf(consumer.rtpParameters),
      },
    ];
  });
  const producers = [...publications].flatMap(({ source, kind, muted, producer }) => {
    if (!producer || producer.closed) return [];
    return [
      {
        source,
        kind,
        muted,
        producerId: producer.id,
        mid: producer.localId,
        ssrcs: ssrcsOf(producer.rtpParameters),
        rids: (producer.rtpParameters.encodings ?? []).flatMap((e) => e.rid ?? []),
      },
    ];
  });
  const transports = await Promise.all(
    media.transports().map(async (transport) => ({
      id: transport.id,
      direction: transport.direction,
      connectionState: transport.connectionState,
      report: transport.closed
        ? undefined
        : await transport.getStats().catch((error: unknown) => {
            logger.debug('transport stats failed', {
              transportId: transport.id,
              error: String(error),
            });
            return undefined;
          }),
    })),
  );
  return readCallStats({ timestamp: now(), transports, consumers, producers });
}

function ssrcsOf(rtpParameters: client.RtpParameters): number[] {
  return (rtpParameters.encodings ?? []).flatMap((e) => (e.ssrc === undefined ? [] : [e.ssrc]));
}
