import { CascadeError, type MediaKind, type MediaSource } from '@cascade/contracts';
import type { types as client } from 'mediasoup-client';

import { isConnectionLost } from '../signaling/signaling-channel';
import type { LocalTrack, MediaTrack, TrackPublishedEvent } from '../types';
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
}

export interface PublicationsContext {
  /** The current media session (none while the client is not in the room). */
  media(): MediaSession | undefined;
  request: Requester;
  announce(event: 'trackPublished' | 'trackUnpublished', payload: TrackPublishedEvent): void;
  /** The client is done: closing producers is no longer news. */
  ended(): boolean;
}

/**
 * This client's publications, one per source. They outlive producers: the application's wish
 * ("publish this track, muted or not") stands while the connection drops and the session is
 * restored, and each restore makes the producers match it again ({@link restore}).
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
  }

  delete(publication: Publication): void {
    if (this.isCurrent(publication)) this.#bySource.delete(publication.source);
  }

  /** The publication whose producer has this id, if it is one of this client's. */
  ofProducer(producerId: string): Publication | undefined {
    return [...this.#bySource.values()].find((p) => p.producer?.id === producerId);
  }

  snapshot(): LocalTrack[] {
    return [...this.#bySource.values()].map(localTrack);
  }

  /** Makes sure a publication has a live producer in the current media session. */
  async produce(publication: Publication): Promise<client.Producer | undefined> {
    const media = this.context.media();
    if (!media || media.closed) return undefined;
    const current = publication.producer;
    if (current && !current.closed) return current;
    if (publication.producing) return publication.producing;
    publication.track.enabled = !publication.muted;
    const producing = media
      .produce({
        source: publication.source,
        track: publication.track,
        profile: publication.profile,
        paused: publication.muted,
      })
      .then((producer) => this.#produced(publication, producer, media))
      .finally(() => {
        if (publication.producing === producing) publication.producing = undefined;
      });
    publication.producing = producing;
    return producing;
  }

  /** Replaces a publication's track (its producer sends the new one at once). */
  async replaceTrack(publication: Publication, track: MediaTrack, owned: boolean): Promise<void> {
    if (publication.track === track) return;
    if (publication.owned) publication.track.stop();
    publication.track = track;
    publication.owned = owned;
    const producer = publication.producer;
    if (producer && !producer.closed)
      await producer.replaceTrack({ track: track as client.ProducerOptions['track'] });
  }

  /** Mutes or unmutes a source: its producer pauses or resumes here and on the server. */
  async setMuted(source: MediaSource, muted: boolean): Promise<void> {
    const publication = this.#bySource.get(source);
    if (!publication) throw new CascadeError('NOT_FOUND', `${source} is not published`);
    if (publication.muted === muted) return;
    publication.muted = muted;
    const producer = publication.producer;
    if (!producer || producer.closed) return; // published again as it is now, after a restore
    if (muted) producer.pause();
    else producer.resume();
    // Without a connection, the restored session applies it (see restore).
    await this.context
      .request(muted ? 'producer.pause' : 'producer.resume', { producerId: producer.id })
      .catch(ignoreConnectionLost);
  }

  /** Stops publishing a source (its producer closes; a track the SDK captured stops). */
  async unpublish(source: MediaSource): Promise<void> {
    const publication = this.#bySource.get(source);
    if (!publication) return;
    this.#bySource.delete(source);
    if (publication.owned) publication.track.stop();
    const producer = publication.producer;
    if (!producer || producer.closed) return;
    producer.close();
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

  /** Forgets every publication, stopping the tracks the SDK captured (the client is done). */
  clear(): void {
    for (const publication of this.#bySource.values())
      if (publication.owned) publication.track.stop();
    this.#bySource.clear();
  }

  #produced(publication: Publication, producer: client.Producer, media: MediaSession) {
    if (!this.isCurrent(publication) || media !== this.context.media()) {
      producer.close();
      void this.context
        .request('producer.close', { producerId: producer.id })
        .catch(() => undefined);
      throw new MediaSessionClosedError();
    }
    publication.producer = producer;
    const published = {
      source: publication.source,
      kind: publication.kind,
      producerId: producer.id,
    };
    producer.observer.once('close', () => {
      if (publication.producer === producer) publication.producer = undefined;
      if (!this.context.ended()) this.context.announce('trackUnpublished', published);
    });
    this.context.announce('trackPublished', published);
    return producer;
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

function ignoreConnectionLost(error: unknown): void {
  if (!isConnectionLost(error)) throw error;
}
