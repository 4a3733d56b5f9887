import { CascadeError, type ConsumerInfo } from '@cascade/contracts';
import type { types as client } from 'mediasoup-client';

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
  /** Waits between attempts (tests pass a fake). */
  sleep(ms: number): Promise<void>;
  /**
   * Whether the server said the producer (or its participant) is gone in an event the client
   * holds, not applied yet (events wait while the room is being established): such a producer is
   * not tried again. Without it a join waits out every retry of a producer that left during it.
   */
  goneMeanwhile?(producerId: string): boolean;
}

/**
 * Waits before each further attempt at a consumer the server refused for a reason that passes.
 * NOT_FOUND is one of them while the room still lists the producer: a producer is announced to
 * a joiner (from the orchestrator's view) a moment before its gateway has registered it.
 */
export const SUBSCRIBE_RETRY_DELAYS_MS: readonly number[] = [150, 400, 1_000, 2_000];
const PASSING = new Set(['NOT_FOUND', 'NODE_UNAVAILABLE', 'TIMEOUT', 'INTERNAL', 'RATE_LIMITED']);

/**
 * What this client receives: a consumer per remote producer it wants (all of them with
 * `autoSubscribe`, less those the application unsubscribed from), each announced once ready.
 */
export class Subscriptions {
  /** Producers the application unsubscribed from: not consumed again by `autoSubscribe`. */
  readonly #unwanted = new Set<string>();
  /** One attempt (with its retries) per producer at a time: callers share it. */
  readonly #inFlight = new Map<string, Promise<RemoteTrack | undefined>>();

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
    const inFlight = this.#inFlight.get(producerId);
    if (inFlight) return inFlight;
    const attempt = this.#subscribeWithRetries(producerId).finally(() =>
      this.#inFlight.delete(producerId),
    );
    this.#inFlight.set(producerId, attempt);
    return attempt;
  }

  /**
   * Takes a consumer the server made with the join (paused, for this media session) as the
   * subscription of its producer. If taking it fails, the producer is subscribed to as usual.
   */
  adopt(media: MediaSession, info: ConsumerInfo): Promise<RemoteTrack | undefined> {
    const { producerId } = info;
    const inFlight = this.#inFlight.get(producerId);
    if (inFlight || !this.wanted(producerId)) {
      // Already on its way, or unsubscribed from by the application: not this one.
      void this.context
        .request('consumer.close', { consumerId: info.consumerId })
        .catch(() => undefined);
      return inFlight ?? Promise.resolve(undefined);
    }
    const attempt = this.#take(producerId, media, () => media.adopt(info))
      .catch((error: unknown) => {
        this.context.logger.debug('the join consumer could not be taken: subscribing', {
          producerId,
          error: String(error),
        });
        void this.context
          .request('consumer.close', { consumerId: info.consumerId })
          .catch(() => undefined);
        return this.#unwanted.has(producerId) ? undefined : this.#subscribeWithRetries(producerId);
      })
      .finally(() => this.#inFlight.delete(producerId));
    this.#inFlight.set(producerId, attempt);
    return attempt;
  }

  async #subscribeWithRetries(producerId: string): Promise<RemoteTrack | undefined> {
    const media = this.context.media();
    for (let attempt = 0; ; attempt++) {
      try {
        return await this.#subscribeOnce(producerId, media);
      } catch (error) {
        const delay = SUBSCRIBE_RETRY_DELAYS_MS[attempt];
        const passing = error instanceof CascadeError && PASSING.has(error.code);
        if (!passing || delay === undefined) {
          if (error instanceof CascadeError && error.code === 'NOT_FOUND') {
            this.context.logger.debug('subscription abandoned', {
              producerId,
              error: String(error),
            });
            return undefined;
          }
          throw error;
        }
        this.context.logger.debug('subscription refused: trying again', {
          producerId,
          attempt: attempt + 1,
          delayMs: delay,
          error: String(error),
        });
        await this.context.sleep(delay);
        if (this.#unwanted.has(producerId)) return undefined;
      }
    }
  }

  /** One attempt; undefined when there is nothing to consume any more. */
  async #subscribeOnce(
    producerId: string,
    media: MediaSession | undefined,
  ): Promise<RemoteTrack | undefined> {
    const { model } = this.context;
    if (!media || media.closed || media !== this.context.media()) return undefined;
    if (!model.producers.has(producerId) || this.context.goneMeanwhile?.(producerId))
      return undefined;
    const existing = model.trackOfProducer(producerId);
    if (existing) return this.remoteTrack(existing);
    return this.#take(producerId, media, () => media.consume(producerId));
  }

  /** Registers the consumer `consuming` gives as the producer's track, once it is ready. */
  async #take(
    producerId: string,
    media: MediaSession,
    consuming: () => Promise<{ consumer: client.Consumer; info: ConsumerInfo }>,
  ): Promise<RemoteTrack | undefined> {
    const { model, logger } = this.context;
    try {
      const { consumer, info } = await consuming();
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
        media !== this.context.media()
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
