import type {
  JoinResult,
  ParticipantInfo,
  ProducerInfo,
  SignalingEventName,
  SignalingEventOf,
} from '@cascade/contracts';

import type { CascadeClientEvents, RemoteTrackInfo } from '../types';

/** Something the client must do because of a change of the room. */
export type RoomEffect =
  | {
      [K in keyof CascadeClientEvents]: { type: 'emit'; event: K; payload: CascadeClientEvents[K] };
    }[keyof CascadeClientEvents]
  /** Consume this producer. */
  | { type: 'subscribe'; producerId: string }
  /** This consumer is gone on the server (or is no longer wanted): close it locally. */
  | { type: 'dropConsumer'; consumerId: string };

/** The server events the room model answers (the `session.*` ones are the client's). */
export type RoomEventName = Exclude<
  SignalingEventName,
  'session.reconnectRequired' | 'session.removed'
>;

export interface RestoreOptions {
  /** Consumers that survived (a resumed session); none after a join. */
  aliveConsumerIds: ReadonlySet<string>;
  /** Tell the application what changed while the client was away (not on the first join). */
  announce: boolean;
}

const emit = <K extends keyof CascadeClientEvents>(
  event: K,
  payload: CascadeClientEvents[K],
): RoomEffect => ({ type: 'emit', event, payload }) as RoomEffect;

/**
 * The room as one client knows it: the other participants, what they publish, and which of
 * their producers this client receives (its tracks, by consumer id). Pure: each server event and
 * each join or resume result goes in, and out come the application events to emit and the media
 * steps to take ({@link RoomEffect}). Handles duplicates and stale events without complaint, since
 * events around a reconnection may repeat what a join result already said.
 */
/** How many chat message ids a client remembers to drop a message shown already. */
const CHAT_IDS_KEPT = 1_000;

export class RoomModel {
  readonly participants = new Map<string, ParticipantInfo>();
  /** Remote producers, by id. */
  readonly producers = new Map<string, ProducerInfo>();
  /** Remote tracks this client receives, by consumer id. */
  readonly tracks = new Map<string, RemoteTrackInfo>();
  /** This client's participant id (its own producers and events are not the room's). */
  selfId: string | undefined;
  /** How many viewers (subscribe-only participants, not listed) the room has. */
  viewers = 0;
  /** The last active speaker announced (`participant/producer`). */
  #speaker: string | undefined;
  /**
   * Ids of the chat messages shown lately (oldest first, at most {@link CHAT_IDS_KEPT}): a message
   * sent again by its sender (the same `clientMessageId` after an unknown outcome) is broadcast
   * again, and is shown once.
   */
  readonly #chatIds = new Set<string>();

  constructor(private readonly options: { autoSubscribe: boolean }) {}

  trackOfProducer(producerId: string): RemoteTrackInfo | undefined {
    for (const track of this.tracks.values()) if (track.producerId === producerId) return track;
    return undefined;
  }

  /** Records a track once its consumer is ready. */
  addTrack(track: RemoteTrackInfo): void {
    this.tracks.set(track.consumerId, track);
  }

  /** Forgets a track the client closed itself (no event). */
  forgetTrack(consumerId: string): RemoteTrackInfo | undefined {
    const track = this.tracks.get(consumerId);
    this.tracks.delete(consumerId);
    return track;
  }

  /**
   * Takes a join or resume result as the truth: participants and producers are replaced, tracks
   * whose consumer did not survive (or whose producer is gone) are dropped, and every producer
   * without a track is subscribed (with `autoSubscribe`). With `announce`, what changed since
   * the client last knew is told as events.
   */
  restore(result: JoinResult, options: RestoreOptions): RoomEffect[] {
    const effects: RoomEffect[] = [];
    this.selfId = result.participantId;
    this.producers.clear();
    for (const producer of result.producers) {
      if (producer.participantId !== this.selfId)
        this.producers.set(producer.producerId, { ...producer });
    }
    for (const track of [...this.tracks.values()]) {
      const producer = this.producers.get(track.producerId);
      if (!producer || !options.aliveConsumerIds.has(track.consumerId)) {
        effects.push(...this.#removeTrack(track, options.announce));
      } else if (producer.paused !== track.muted) {
        track.muted = producer.paused;
        if (options.announce)
          effects.push(emit(producer.paused ? 'trackMuted' : 'trackUnmuted', muteEvent(producer)));
      }
    }
    const participants = new Map(
      result.participants
        .filter((p) => p.participantId !== this.selfId)
        .map((p) => [p.participantId, p]),
    );
    for (const [participantId] of this.participants) {
      if (!participants.has(participantId) && options.announce)
        effects.push(emit('participantLeft', { participantId, reason: 'disconnected' }));
    }
    for (const [participantId, info] of participants) {
      if (!this.participants.has(participantId) && options.announce)
        effects.push(emit('participantJoined', info));
    }
    this.participants.clear();
    for (const [id, info] of participants) this.participants.set(id, info);
    effects.push(...this.#viewerCount(result.viewers, options.announce));

    if (this.options.autoSubscribe) {
      for (const producerId of this.producers.keys()) {
        if (!this.trackOfProducer(producerId)) effects.push({ type: 'subscribe', producerId });
      }
    }
    return effects;
  }

  /** A server event: what it means for the application and the media. */
  apply<E extends RoomEventName>(event: E, payload: SignalingEventOf<E>): RoomEffect[] {
    switch (event) {
      case 'participant.joined':
        return this.#participantJoined(payload as SignalingEventOf<'participant.joined'>);
      case 'participant.left':
        return this.#participantLeft(payload as SignalingEventOf<'participant.left'>);
      case 'producer.added':
        return this.#producerAdded(payload as SignalingEventOf<'producer.added'>);
      case 'producer.closed':
        return this.#producerClosed(payload as SignalingEventOf<'producer.closed'>);
      case 'producer.paused':
      case 'producer.resumed':
        return this.#producerPaused(
          (payload as SignalingEventOf<'producer.paused'>).producerId,
          event === 'producer.paused',
        );
      case 'consumer.closed': {
        const track = this.tracks.get((payload as SignalingEventOf<'consumer.closed'>).consumerId);
        return track ? this.#removeTrack(track, true) : [];
      }
      case 'consumer.layersChanged': {
        const { consumerId, spatialLayer, temporalLayer } =
          payload as SignalingEventOf<'consumer.layersChanged'>;
        const track = this.tracks.get(consumerId);
        if (!track) return [];
        const { participantId, producerId } = track;
        return [
          emit('layersChanged', {
            participantId,
            producerId,
            consumerId,
            spatialLayer,
            temporalLayer,
          }),
        ];
      }
      case 'speaker.active': {
        const { participantId, producerId } = payload as SignalingEventOf<'speaker.active'>;
        // Told again what it knows (the speaker a newcomer is told, and a change racing it).
        const speaker = `${participantId}/${producerId}`;
        if (this.#speaker === speaker) return [];
        this.#speaker = speaker;
        return [emit('activeSpeaker', { participantId, producerId })];
      }
      case 'chat.message': {
        const message = payload as SignalingEventOf<'chat.message'>;
        if (this.#chatIds.has(message.messageId)) return [];
        this.#chatIds.add(message.messageId);
        if (this.#chatIds.size > CHAT_IDS_KEPT)
          this.#chatIds.delete(this.#chatIds.values().next().value!);
        return [emit('chat', message)];
      }
      case 'room.viewers':
        return this.#viewerCount((payload as SignalingEventOf<'room.viewers'>).count, true);
      case 'user.notification':
        return [emit('notification', payload as SignalingEventOf<'user.notification'>)];
      default:
        return [];
    }
  }

  /** Forgets everything (the client left). */
  clear(): void {
    this.#speaker = undefined;
    this.viewers = 0;
    this.participants.clear();
    this.producers.clear();
    this.tracks.clear();
  }

  #viewerCount(count: number, announce: boolean): RoomEffect[] {
    if (count === this.viewers) return [];
    this.viewers = count;
    return announce ? [emit('viewerCount', { count })] : [];
  }

  #participantJoined(info: ParticipantInfo): RoomEffect[] {
    if (info.participantId === this.selfId) return [];
    const known = this.participants.has(info.participantId);
    this.participants.set(info.participantId, { ...info });
    return known ? [] : [emit('participantJoined', info)];
  }

  #participantLeft({ participantId, reason }: SignalingEventOf<'participant.left'>): RoomEffect[] {
    if (!this.participants.delete(participantId)) return [];
    const effects: RoomEffect[] = [];
    for (const producer of [...this.producers.values()]) {
      if (producer.participantId === participantId) effects.push(...this.#producerClosed(producer));
    }
    effects.push(emit('participantLeft', { participantId, reason }));
    return effects;
  }

  #producerAdded(producer: ProducerInfo): RoomEffect[] {
    if (producer.participantId === this.selfId || this.producers.has(producer.producerId))
      return [];
    this.producers.set(producer.producerId, { ...producer });
    return this.options.autoSubscribe
      ? [{ type: 'subscribe', producerId: producer.producerId }]
      : [];
  }

  #producerClosed({ producerId }: { producerId: string }): RoomEffect[] {
    this.producers.delete(producerId);
    const track = this.trackOfProducer(producerId);
    return track ? this.#removeTrack(track, true) : [];
  }

  #producerPaused(producerId: string, paused: boolean): RoomEffect[] {
    const producer = this.producers.get(producerId);
    if (!producer || producer.paused === paused) return [];
    producer.paused = paused;
    const track = this.trackOfProducer(producerId);
    if (track) track.muted = paused;
    return [emit(paused ? 'trackMuted' : 'trackUnmuted', muteEvent(producer))];
  }

  #removeTrack(track: RemoteTrackInfo, announce: boolean): RoomEffect[] {
    this.tracks.delete(track.consumerId);
    const effects: RoomEffect[] = [{ type: 'dropConsumer', consumerId: track.consumerId }];
    if (announce) effects.push(emit('trackRemoved', { ...track }));
    return effects;
  }
}

function muteEvent({ participantId, producerId, kind, source }: ProducerInfo) {
  return { participantId, producerId, kind, source };
}
