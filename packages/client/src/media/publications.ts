import { CascadeError, type MediaKind, type MediaSource } from '@cascade/contracts';
import type { types as client } from 'mediasoup-client';

import { isConnectionLost } from '../signaling/signaling-channel';
import type {
  CascadeClientEvents,
  LocalTrack,
  MediaTrack,
  TrackUnpublishedEvent,
  UnpublishReason,
} from '../types';
import type { PublishProfile } from './encodings';
import { MediaSessionClosedError, type MediaSession, type Requester } from './media-session';

/** One of this client's tracks: what the application asked to publish, and its producer. */
export interface Publication {
  source: MediaSource;
  kind: MediaKind;
  track: MediaTrack;
  /** Captured by the SDK (so the SDK stops it), rather than handed in. */
  owned: boolean;
  muted: boolean;
  profile: PublishProfile;
  producer?: client.Producer;
  producing?: Promise<client.Producer>;
  /** The last producer announced as published (`trackUnpublished` names it after it is gone). */
  lastProducerId?: string;
  /** Why it was taken away, once it was. */
  removal?: Exclude<UnpublishReason, 'interrupted'>;
  /** Stops listening for the end of its track. */
  unwatch?: () => void;
}

/** The events publications announce. */
export type PublicationEvent =
  | 'trackPublished'
  | 'trackUnpublished'
  | 'localTrackMuted'
  | 'localTrackUnmuted'
  | 'localTrackReplaced';

export interface PublicationsContext {
  /** The current media session (none while the client is not in the room). */
  media(): MediaSession | undefined;
  request: Requester;
  announce<K extends PublicationEvent>(event: K, payload: CascadeClientEvents[K]): void;
  /** Something failed that no call of the application can be told about. */
  report(error: unknown): void;
  /** The client is done: closing producers is no longer news. */
  ended(): boolean;
}

/**
 * This client's publications, one per source. They outlive producers: the application's wish
 * ("publish this track, muted or not") stands while the connection drops and the session is
 * restored, and each restore makes the producers match it again ({@link restore}). A track that
 * ends by itself (the browser's "Stop sharing", a camera unplugged) is unpublished.
 */
export class Publications {
  readonly #bySource = new Map<MediaSource, Publication>();

  constructor(private readonly context: PublicationsContext) {}

  get(source: MediaSource): Publication | undefined {
    return this.#bySource.get(source);
  }

  /** Whether `publication` is still the one of its source (not unpublished or replaced). */
  isCurrent(publication: Publication): boolean {
    return this.#bySource.get(publication.source) === publication;
  }

  add(publication: Publication): void {
    this.#bySource.set(publication.source, publication);
    this.#watch(publication);
  }

  delete(publication: Publication): void {
    if (!this.isCurrent(publication)) return;
    this.#bySource.delete(publication.source);
    publication.unwatch?.();
  }

  /** The publication whose producer has this id, if it is one of this client's. */
  ofProducer(producerId: string): Publication | undefined {
    return [...this.#bySource.values()].find((p) => p.producer?.id === producerId);
  }

  snapshot(): LocalTrack[] {
    return [...this.#bySource.values()].map(localTrack);
  }

  values(): Publication[] {
    return [...this.#bySource.values()];
  }

  /** Makes sure a publication has a live producer in the current media session. */
  async produce(publication: Publication): Promise<client.Producer | undefined> {
    const media = this.context.media();
    if (!media || media.closed) return undefined;
    const current = publication.producer;
    if (current && !current.closed) return current;
    if (publication.producing) return publication.producing;
    publication.track.enabled = !publication.muted;
    const paused = publication.muted;
    const producing = media
      .produce({
        source: publication.source,
        track: publication.track,
        profile: publication.profile,
        paused,
      })
      .then((producer) => this.#produced(publication, producer, media, paused))
      .finally(() => {
        if (publication.producing === producing) publication.producing = undefined;
      });
    publication.producing = producing;
    return producing;
  }

  /**
   * Replaces a publication's track: its producer sends the new one at once (no new producer),
   * or the next one will. The mute state stays (the new track is enabled only if unmuted); the
   * old track is stopped if the SDK owned it; `owned` says whether the SDK owns the new one.
   */
  async replaceTrack(publication: Publication, track: MediaTrack, owned: boolean): Promise<void> {
    if (publication.track === track) return;
    if (track.readyState === 'ended')
      throw new CascadeError('INVALID_ARGUMENT', `the new ${publication.source} track has ended`);
    // A producer being made takes the track it was given: let it be made, then replace.
    await publication.producing?.catch(() => undefined);
    if (!this.isCurrent(publication))
      throw new CascadeError('NOT_FOUND', `${publication.source} is not published any more`);
    track.enabled = !publication.muted;
    const producer = publication.producer;
    if (producer && !producer.closed) {
      try {
        await producer.replaceTrack({ track: track as client.ProducerOptions['track'] });
      } catch (error) {
        if (!producer.closed) throw error; // closed meanwhile: the next producer takes it
      }
    }
    const previous = publication.owned ? publication.track : undefined;
    publication.unwatch?.();
    publication.track = track;
    publication.owned = owned;
    if (this.isCurrent(publication)) this.#watch(publication);
    previous?.stop();
    this.context.announce('localTrackReplaced', localTrack(publication));
  }

  /** Mutes or unmutes a source: its producer pauses or resumes here and on the server. */
  async setMuted(source: MediaSource, muted: boolean): Promise<void> {
    const publication = this.#bySource.get(source);
    if (!publication) throw new CascadeError('NOT_FOUND', `${source} is not published`);
    if (publication.muted === muted) return;
    publication.muted = muted;
    publication.track.enabled = !muted;
    this.context.announce(muted ? 'localTrackMuted' : 'localTrackUnmuted', localTrack(publication));
    const producer = publication.producer;
    if (!producer || producer.closed) return; // produced as it is now (being made, or restored)
    if (muted) producer.pause();
    else producer.resume();
    // Without a connection, the restored session applies it (see restore).
    await this.context
      .request(muted ? 'producer.pause' : 'producer.resume', { producerId: producer.id })
      .catch(ignoreConnectionLost);
  }

  /**
   * Stops publishing a source (its producer closes; a track the SDK captured stops), announced
   * as `trackUnpublished` with `reason`.
   */
  async unpublish(
    source: MediaSource,
    reason: Exclude<UnpublishReason, 'interrupted'> = 'unpublished',
  ): Promise<void> {
    const publication = this.#bySource.get(source);
    if (!publication) return;
    this.delete(publication);
    publication.removal = reason;
    if (publication.owned) publication.track.stop();
    const producer = publication.producer;
    if (!producer || producer.closed) {
      // Not on the server now (its producer was lost and it waited for a restore): it is gone
      // for good, which the application has not been told yet.
      const { lastProducerId } = publication;
      if (lastProducerId !== undefined && !this.context.ended())
        this.context.announce('trackUnpublished', unpublished(publication, lastProducerId, reason));
      return;
    }
    producer.close(); // announced by its close
    // Without a connection, the restored session closes it (see restore).
    await this.context
      .request('producer.close', { producerId: producer.id })
      .catch(ignoreConnectionLost);
  }

  /**
   * After a resume or a rejoin: producers the server no longer has are closed here (and made
   * again), survivors get the current mute state, survivors no longer wanted (unpublished while
   * away) are closed on the server, and every publication without a producer is produced.
   * Resolves with what that started, settled.
   */
  restore(survivors: ReadonlySet<string>): Array<Promise<unknown>> {
    const { request } = this.context;
    const tasks: Array<Promise<unknown>> = [];
    const wanted = new Set([...this.#bySource.values()].map((p) => p.producer?.id));
    for (const producerId of survivors) {
      if (!wanted.has(producerId)) tasks.push(request('producer.close', { producerId }));
    }
    for (const publication of this.#bySource.values()) {
      const producer = publication.producer;
      if (!producer) continue;
      if (producer.closed || !survivors.has(producer.id)) producer.close();
      else
        tasks.push(
          request(publication.muted ? 'producer.pause' : 'producer.resume', {
            producerId: producer.id,
          }),
        );
    }
    for (const publication of this.#bySource.values()) tasks.push(this.produce(publication));
    return tasks;
  }

  /**
   * The server paused one of this client's producers (a moderator muted it): its publication is
   * muted here as `setMuted` would mute it, without asking the server again, so that a later
   * unmute resumes it. Resolves with the publication, or undefined when the producer is not one
   * of this client's.
   */
  mutedByServer(producerId: string): Publication | undefined {
    const publication = this.ofProducer(producerId);
    if (!publication || publication.muted) return publication;
    publication.muted = true;
    publication.track.enabled = false;
    publication.producer?.pause();
    this.context.announce('localTrackMuted', localTrack(publication));
    return publication;
  }

  /** Forgets every publication, stopping the tracks the SDK captured (the client is done). */
  clear(): void {
    for (const publication of this.#bySource.values()) {
      publication.unwatch?.();
      if (publication.owned) publication.track.stop();
    }
    this.#bySource.clear();
  }

  /** A producer was made (`paused` on the server, or not): it is the publication's now. */
  #produced(
    publication: Publication,
    producer: client.Producer,
    media: MediaSession,
    paused: boolean,
  ) {
    if (!this.isCurrent(publication) || media !== this.context.media()) {
      producer.close();
      void this.context
        .request('producer.close', { producerId: producer.id })
        .catch(() => undefined);
      throw new MediaSessionClosedError();
    }
    publication.producer = producer;
    publication.lastProducerId = producer.id;
    const published = {
      source: publication.source,
      kind: publication.kind,
      producerId: producer.id,
    };
    producer.observer.once('close', () => {
      if (publication.producer === producer) publication.producer = undefined;
      if (this.context.ended()) return;
      // Still wanted: the session lost it, and a restore publishes it again.
      const reason = this.isCurrent(publication)
        ? 'interrupted'
        : (publication.removal ?? 'unpublished');
      this.context.announce('trackUnpublished', { ...published, reason });
    });
    this.context.announce('trackPublished', published);
    // Muted or unmuted while the producer was being made.
    if (producer.paused !== publication.muted || paused !== publication.muted)
      void this.#applyMute(publication, producer, paused);
    return producer;
  }

  /** Makes a new producer match the publication's mute state, here and on the server. */
  async #applyMute(
    publication: Publication,
    producer: client.Producer,
    pausedOnServer: boolean,
  ): Promise<void> {
    if (producer.paused !== publication.muted) {
      if (publication.muted) producer.pause();
      else producer.resume();
    }
    if (pausedOnServer === publication.muted) return;
    await this.context
      .request(publication.muted ? 'producer.pause' : 'producer.resume', {
        producerId: producer.id,
      })
      .catch((error: unknown) => {
        if (!isConnectionLost(error)) this.context.report(error);
      });
  }

  /** Unpublishes the publication when its track ends by itself (while it is its track). */
  #watch(publication: Publication): void {
    const track = publication.track;
    publication.unwatch = onEnded(track, () => {
      if (!this.isCurrent(publication) || publication.track !== track) return;
      const { source } = publication;
      const sources: MediaSource[] = [source];
      // The screen's own audio, captured with it, goes with it.
      if (source === 'screen' && this.#bySource.get('screen-audio')?.owned)
        sources.push('screen-audio');
      for (const ended of sources)
        this.unpublish(ended, 'ended').catch((error: unknown) => this.context.report(error));
    });
  }
}

export function localTrack({ source, kind, track, muted, producer }: Publication): LocalTrack {
  return {
    source,
    kind,
    track,
    muted,
    producerId: producer && !producer.closed ? producer.id : undefined,
  };
}

function unpublished(
  { source, kind }: Publication,
  producerId: string,
  reason: UnpublishReason,
): TrackUnpublishedEvent {
  return { source, kind, producerId, reason };
}

/**
 * Calls `listener` when `track` ends by itself (its `ended` event: not fired by `stop()`); the
 * result stops listening. Tracks without events (@roamhq/wrtc's) never call it.
 */
function onEnded(track: MediaTrack, listener: () => void): () => void {
  const target = track as unknown as {
    addEventListener?: (type: 'ended', listener: () => void) => void;
    removeEventListener?: (type: 'ended', listener: () => void) => void;
  };
  if (typeof target.addEventListener !== 'function') return () => undefined;
  target.addEventListener('ended', listener);
  return () => target.removeEventListener?.('ended', listener);
}

function ignoreConnectionLost(error: unknown): void {
  if (!isConnectionLost(error)) throw error;
}
