import { CascadeError } from '@cascade/contracts';

import type { CascadeLogger } from '../logger';
import type { RoomModel } from '../room/room-model';
import { isConnectionLost } from '../signaling/signaling-channel';
import type { MediaTrack, RemoteTrack, RemoteTrackInfo } from '../types';
import { MediaSessionClosedError, type MediaSession, type Requester } from './media-session';

export interface SubscriptionsContext {
  model: RoomModel;
  /** The current media session (none while the client is not in the room). */
  media(): MediaSession | undefined;
  request: Requester;
  announce(event: 'trackAdded', payload: RemoteTrack): void;
  announce(event: 'trackRemoved', payload: RemoteTrackInfo): void;
  logger: CascadeLogger;
}

/**
 * What this client receives: a consumer per remote producer it wants (all of them with
 * `autoSubscribe`, less those the application unsubscribed from), each announced once ready.
 */
export class Subscriptions {
  /** Producers the application unsubscribed from: not consumed again by `autoSubscribe`. */
  readonly #unwanted = new Set<string>();

  constructor(private readonly context: SubscriptionsContext) {}

  /** Whether `autoSubscribe` should consume this producer. */
  wanted(producerId: string): boolean {
    return !this.#unwanted.has(producerId);
  }

  /**
   * Consumes a remote producer unless it is consumed already (or being consumed); resolves with
   * its track once ready (announced as `trackAdded`). Undefined when the producer went away
   * meanwhile or the media session ended (a restore takes over); other failures reject.
   */
  async subscribe(producerId: string): Promise<RemoteTrack | undefined> {
    this.#unwanted.delete(producerId);
    const { model, logger } = this.context;
    const media = this.context.media();
    if (!media || media.closed || !model.producers.has(producerId)) return undefined;
    const existing = model.trackOfProducer(producerId);
    if (existing) return this.remoteTrack(existing);
    try {
      const { consumer, info } = await media.consume(producerId);
      const known = model.tracks.get(consumer.id);
      if (known) return this.remoteTrack(known); // a concurrent caller registered it
      if (media !== this.context.media() || consumer.closed) return undefined;
      const producer = model.producers.get(producerId);
      if (!producer) {
        consumer.close(); // the producer closed while it was being consumed
        void this.context
          .request('consumer.close', { consumerId: consumer.id })
          .catch(() => undefined);
        return undefined;
      }
      const track: RemoteTrackInfo = {
        participantId: info.participantId,
        producerId,
        consumerId: info.consumerId,
        kind: info.kind,
        source: info.source,
        muted: producer.paused,
      };
      model.addTrack(track);
      const remote = { ...track, track: consumer.track as unknown as MediaTrack };
      this.context.announce('trackAdded', remote);
      return remote;
    } catch (error) {
      if (
        error instanceof MediaSessionClosedError ||
        isConnectionLost(error) ||
        media !== this.context.media() ||
        (error instanceof CascadeError && error.code === 'NOT_FOUND')
      ) {
        logger.debug('subscription abandoned', { producerId, error: String(error) });
        return undefined;
      }
      throw error;
    }
  }

  /** Stops receiving a track, named by its producer id or its consumer id. */
  async unsubscribe(id: string): Promise<void> {
    const { model } = this.context;
    const track = model.tracks.get(id) ?? model.trackOfProducer(id);
    if (!track) return;
    this.#unwanted.add(track.producerId);
    model.forgetTrack(track.consumerId);
    this.context.media()?.consumers.get(track.consumerId)?.close();
    this.context.announce('trackRemoved', { ...track });
    await this.context.request('consumer.close', { consumerId: track.consumerId });
  }

  /** A track with its media track, while its consumer lives. */
  remoteTrack(track: RemoteTrackInfo): RemoteTrack | undefined {
    const consumer = this.context.media()?.consumers.get(track.consumerId);
    return consumer ? { ...track, track: consumer.track as unknown as MediaTrack } : undefined;
  }

  snapshot(): RemoteTrack[] {
    return [...this.context.model.tracks.values()].flatMap((t) => this.remoteTrack(t) ?? []);
  }
}
