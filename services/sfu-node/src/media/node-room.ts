import {
  CascadeError,
  type RtpCapabilities,
  type RtpParameters,
  type SfuControlRequestOf,
} from '@cascade/contracts';
import type { types as ms } from 'mediasoup';

import { reportConsumerEvents } from './consumer-events';
import { heldPaused } from './consumer-gate';
import { watchKeyFrames } from './keyframe-watch';
import { consumeData, produceData } from './data-channels';
import { throwNotFound } from './media-errors';
import { PipeLink } from './pipe-link';
import type { RoomEventBody, RoomEventSink } from './room-events';
import { RoomObservers } from './room-observers';
import { type ParticipantLimits, RoomParticipant } from './room-participant';
import { RoomProducers } from './room-producers';
import { RoomRouters } from './room-routers';
import {
  openPlainTransport,
  openWebRtcTransport,
  type TransportEndReason,
} from './room-transports';
import type { PipeRoom, ProducerEntry, ProducerGoneReason, TransportSettings } from './room-types';

export type { ProducerEntry, TransportSettings } from './room-types';

/** What a room needs from its node. */
export interface RoomHost {
  readonly nodeId: string;
  readonly limits: ParticipantLimits;
  readonly transport: TransportSettings;
  readonly sink: RoomEventSink;
  worker(index: number): { worker: ms.Worker; webRtcServer: ms.WebRtcServer } | undefined;
  /** The worker a new participant of this room goes to when the caller did not choose one. */
  pickWorker(room: NodeRoom): number;
  /** Called when the room has been empty for its linger time. */
  roomEmpty(room: NodeRoom): void;
  readonly lingerMs: number;
  /** Told each time a silent video consumer's key frame is asked for again (metrics). */
  keyFrameRequested?(): void;
}

/**
 * A room on this node: its routers (one per worker that hosts its participants, see
 * {@link RoomRouters}), its active-speaker and audio-level observers ({@link RoomObservers}), its
 * participants, every producer in it, local or piped in from another node ({@link RoomProducers}),
 * and its pipe links to other nodes. Owns all of them: `close()` closes everything and emits
 * `room.closed` once. What a request does is here; how each part keeps itself is in its class.
 */
export class NodeRoom implements PipeRoom {
  readonly key: string;
  readonly participants = new Map<string, RoomParticipant>();
  readonly producers: RoomProducers;
  readonly pipes = new Map<string, PipeLink>();
  readonly #routers: RoomRouters;
  readonly #observers: RoomObservers;
  #linger?: NodeJS.Timeout;
  /** Set when `close()` starts; `#closed` once its participants and pipes are gone. */
  #closing = false;
  #closed = false;

  constructor(
    readonly tenantId: string,
    readonly roomId: string,
    private readonly host: RoomHost,
  ) {
    this.key = roomKey(tenantId, roomId);
    const emit = (event: RoomEventBody) => this.emit(event);
    this.#routers = new RoomRouters(this.key, (index) => host.worker(index)?.worker);
    this.#observers = new RoomObservers({
      workerIndex: () => this.workerIndexes[0] ?? host.pickWorker(this),
      router: (index) => this.router(index),
      ensureProducerOn: (id, index) => this.ensureProducerOn(id, index),
      audioProducers: () =>
        [...this.producers.values()]
          .filter((entry) => entry.producer.kind === 'audio')
          .map((entry) => entry.producer.id),
      participantOf: (id) => this.producers.get(id)?.participantId,
      emit,
    });
    this.producers = new RoomProducers({
      emit,
      observeAudio: (entry) => void this.#observers.observe(entry.producer.id).catch(() => {}),
      forget: (entry) => {
        this.#routers.forgetProducer(entry.producer.id);
        this.participants.get(entry.participantId)?.producers.delete(entry.producer.id);
      },
    });
  }

  get closed(): boolean {
    return this.#closed;
  }

  /** Workers this room has a router on. */
  get workerIndexes(): number[] {
    return this.#routers.workerIndexes;
  }

  emit(event: RoomEventBody): void {
    if (this.#closed && event.type !== 'room.closed') return;
    this.host.sink.publish({
      ...event,
      nodeId: this.host.nodeId,
      tenantId: this.tenantId,
      roomId: this.roomId,
      at: Date.now(),
    } as Parameters<RoomEventSink['publish']>[0]);
  }

  // ── routers ──────────────────────────────────────────────────────────────────────────────

  router(workerIndex: number): Promise<ms.Router> {
    this.#assertOpen();
    return this.#routers.router(workerIndex);
  }

  async rtpCapabilities(): Promise<RtpCapabilities> {
    const first = this.workerIndexes[0] ?? this.host.pickWorker(this);
    return (await this.router(first)).rtpCapabilities as RtpCapabilities;
  }

  /** Makes a producer consumable on `workerIndex`'s router (piping it there inside the node once). */
  async ensureProducerOn(producerId: string, workerIndex: number): Promise<void> {
    const entry = this.producers.entry(producerId);
    if (entry.workerIndex === workerIndex) return;
    this.#assertOpen();
    await this.#routers.pipeProducer(producerId, entry.workerIndex, workerIndex);
  }

  producerEntry(producerId: string): ProducerEntry | undefined {
    return this.producers.get(producerId);
  }

  // ── participants ─────────────────────────────────────────────────────────────────────────

  participant(id: string): RoomParticipant {
    return this.participants.get(id) ?? throwNotFound('participant', id);
  }

  /** The participant, created on this node (pinned to a worker) on its first transport. */
  participantForTransport(id: string, workerIndex: number | undefined): RoomParticipant {
    const existing = this.participants.get(id);
    if (existing) return existing;
    const index = workerIndex ?? this.host.pickWorker(this);
    if (!this.host.worker(index))
      throw new CascadeError('INVALID_ARGUMENT', `this node has no worker ${index}`);
    const participant = new RoomParticipant(id, index, this.host.limits);
    this.participants.set(id, participant);
    this.#cancelLinger();
    return participant;
  }

  removeParticipant(
    id: string,
    reason: 'participant-removed' | 'worker-died' = 'participant-removed',
  ): void {
    const participant = this.participants.get(id);
    if (!participant) return;
    for (const producer of participant.producers.values()) this.producerGone(producer.id, reason);
    participant.close();
    this.participants.delete(id);
    this.#lingerIfEmpty();
  }

  // ── transports ───────────────────────────────────────────────────────────────────────────

  async createWebRtcTransport(r: SfuControlRequestOf<'transport.createWebRtc'>) {
    const participant = this.participantForTransport(r.participantId, r.workerIndex);
    participant.checkCanAdd('transports');
    const router = await this.router(participant.workerIndex);
    const { webRtcServer } = this.host.worker(participant.workerIndex)!;
    return openWebRtcTransport(
      participant,
      router,
      webRtcServer,
      r,
      (transportId, reason) => this.#closeTransport(participant, transportId, reason),
      this.host.transport.enableBwe,
    );
  }

  async createPlainTransport(r: SfuControlRequestOf<'transport.createPlain'>) {
    const participant = this.participantForTransport(r.participantId, r.workerIndex);
    participant.checkCanAdd('transports');
    const router = await this.router(participant.workerIndex);
    return openPlainTransport(participant, router, this.host.transport, r);
  }

  closeTransport(participantId: string, transportId: string): void {
    const participant = this.participant(participantId);
    participant.transport(transportId);
    this.#closeTransport(participant, transportId, 'closed');
  }

  #closeTransport(
    participant: RoomParticipant,
    transportId: string,
    reason: TransportEndReason,
  ): void {
    const transport = participant.transports.get(transportId);
    if (!transport) return;
    const producers = [...participant.producers.values()].filter(
      (p) => p.appData['transportId'] === transportId,
    );
    for (const producer of producers) this.producerGone(producer.id, 'transport-closed');
    transport.close();
    participant.transports.delete(transportId);
    this.emit({ type: 'transport.closed', participantId: participant.id, transportId, reason });
  }

  // ── producers ────────────────────────────────────────────────────────────────────────────

  async produce(r: SfuControlRequestOf<'producer.create'>): Promise<{ producerId: string }> {
    const participant = this.participant(r.participantId);
    const transport = participant.transport(r.transportId);
    participant.checkCanAdd('producers');
    const producer = await transport.produce({
      kind: r.kind,
      rtpParameters: r.rtpParameters as ms.RtpParameters,
      paused: r.paused,
      appData: { participantId: participant.id, source: r.source, transportId: transport.id },
    });
    if (participant.closed) {
      producer.close();
      throw new CascadeError('CONFLICT', `participant ${participant.id} was removed meanwhile`);
    }
    participant.producers.set(producer.id, producer);
    this.registerProducer({
      producer,
      participantId: participant.id,
      source: r.source,
      workerIndex: participant.workerIndex,
    });
    producer.on('transportclose', () => {
      participant.producers.delete(producer.id);
      this.producerGone(producer.id, 'transport-closed');
    });
    return { producerId: producer.id };
  }

  /** Adds a producer (local or piped in) to the room: consumable, observed, announced. */
  registerProducer(entry: ProducerEntry): void {
    this.producers.add(entry);
  }

  setProducerPaused(participantId: string, producerId: string, paused: boolean): Promise<void> {
    const producer = this.participant(participantId).producer(producerId);
    return (paused ? producer.pause() : producer.resume()).then(() =>
      this.emit({
        type: paused ? 'producer.paused' : 'producer.resumed',
        participantId,
        producerId,
      }),
    );
  }

  /** Pause state of a producer piped in from another node, mirrored from its original. */
  setPipedProducerPaused(producerId: string, paused: boolean): Promise<void> {
    return this.producers.setPipedPaused(producerId, paused);
  }

  closeProducer(participantId: string, producerId: string): void {
    const participant = this.participant(participantId);
    participant.producer(producerId);
    this.producerGone(producerId, 'closed');
  }

  /** Closes a producer wherever it is and tells the room, once. */
  producerGone(producerId: string, reason: ProducerGoneReason): void {
    this.producers.remove(producerId, reason);
  }

  // ── consumers ────────────────────────────────────────────────────────────────────────────

  async consume(r: SfuControlRequestOf<'consumer.create'>) {
    const participant = this.participant(r.participantId);
    const transport = participant.transport(r.transportId);
    participant.checkCanAdd('consumers');
    const entry = this.producers.entry(r.producerId);
    if (entry.participantId === participant.id) {
      throw new CascadeError('INVALID_ARGUMENT', 'a participant cannot consume its own producer');
    }
    const router = await this.router(participant.workerIndex);
    await this.ensureProducerOn(r.producerId, participant.workerIndex);
    const rtpCapabilities = r.rtpCapabilities as ms.RtpCapabilities;
    if (!router.canConsume({ producerId: r.producerId, rtpCapabilities })) {
      throw new CascadeError(
        'INVALID_ARGUMENT',
        `these RTP capabilities cannot consume producer ${r.producerId}`,
      );
    }
    const consumer = await transport.consume({
      producerId: r.producerId,
      rtpCapabilities,
      paused: r.paused ?? true,
      appData: { participantId: participant.id, transportId: transport.id },
    });
    if (participant.closed) {
      consumer.close();
      throw new CascadeError('CONFLICT', `participant ${participant.id} was removed meanwhile`);
    }
    this.#adoptConsumer(participant, consumer);
    return {
      consumerId: consumer.id,
      producerId: consumer.producerId,
      kind: consumer.kind,
      rtpParameters: consumer.rtpParameters as RtpParameters,
      type: consumer.type,
      producerPaused: consumer.producerPaused,
      paused: consumer.paused,
    };
  }

  keyFrameRequested(): void {
    this.host.keyFrameRequested?.();
  }

  #adoptConsumer(participant: RoomParticipant, consumer: ms.Consumer): void {
    participant.consumers.set(consumer.id, consumer);
    watchKeyFrames(consumer, {
      onRequest: () => this.keyFrameRequested(),
      wanted: () => !heldPaused(consumer),
    });
    reportConsumerEvents(
      participant.id,
      consumer,
      (event) => this.emit(event),
      () => participant.consumers.delete(consumer.id),
    );
  }

  closeConsumer(participantId: string, consumerId: string): void {
    const participant = this.participant(participantId);
    const consumer = participant.consumer(consumerId);
    consumer.close();
    participant.consumers.delete(consumerId);
    this.emit({
      type: 'consumer.closed',
      participantId,
      consumerId,
      producerId: consumer.producerId,
      reason: 'closed',
    });
  }

  // ── data channels ────────────────────────────────────────────────────────────────────────

  produceData(r: SfuControlRequestOf<'dataProducer.create'>) {
    return produceData(this.participant(r.participantId), r);
  }

  consumeData(r: SfuControlRequestOf<'dataConsumer.create'>) {
    return consumeData(
      this.participant(r.participantId),
      this.participants.values(),
      (id, from, to) => {
        this.#assertOpen();
        return this.#routers.pipeDataProducer(id, from, to);
      },
      r,
    );
  }

  // ── cascade ──────────────────────────────────────────────────────────────────────────────

  pipe(peerNodeId: string): PipeLink {
    return this.pipes.get(peerNodeId) ?? throwNotFound('pipe to node', peerNodeId);
  }

  /**
   * Opens this node's end of the room's pipe to `peerNodeId` (`pipe.create`). A create repeated
   * before the connect answers the same end. An end already connected is from before: the
   * orchestrator opens a pair only when it has none, so it no longer counts on this one (this
   * node was cut off and is back, and the peer's end was closed meanwhile); it is closed, with
   * what came through it, and a fresh end replaces it, else the new pair would be refused at its
   * connect or send to the peer's old port.
   */
  async openPipe(peerNodeId: string): Promise<PipeLink> {
    const existing = this.pipes.get(peerNodeId);
    if (existing && !existing.connected) return existing;
    existing?.close();
    const link = new PipeLink(this, peerNodeId, this.host.transport);
    this.pipes.set(peerNodeId, link);
    this.#cancelLinger();
    link.on('closed', () => {
      if (this.pipes.get(peerNodeId) === link) this.pipes.delete(peerNodeId);
      this.#lingerIfEmpty();
    });
    try {
      await link.open(this.workerIndexes[0] ?? this.host.pickWorker(this));
    } catch (error) {
      link.close();
      throw error;
    }
    return link;
  }

  closePipe(peerNodeId: string): void {
    this.pipe(peerNodeId).close();
  }

  // ── lifecycle ────────────────────────────────────────────────────────────────────────────

  /** A worker died: its routers, and everyone and everything on it, are gone. */
  workerLost(workerIndex: number): string[] {
    if (!this.#routers.workerLost(workerIndex)) return [];
    const lost = [...this.participants.values()]
      .filter((p) => p.workerIndex === workerIndex)
      .map((p) => p.id);
    for (const id of lost) this.removeParticipant(id, 'worker-died');
    for (const link of [...this.pipes.values()]) if (link.workerIndex === workerIndex) link.close();
    for (const id of this.producers.onWorker(workerIndex)) this.producerGone(id, 'worker-died');
    if (!this.#closing) this.#observers.workerLost(workerIndex);
    this.#lingerIfEmpty();
    return lost;
  }

  get empty(): boolean {
    return this.participants.size === 0 && this.pipes.size === 0;
  }

  close(): void {
    if (this.#closing) return;
    // First, so that emptying the room below arms no linger timer to fire after the close.
    this.#closing = true;
    this.#cancelLinger();
    for (const id of [...this.participants.keys()]) this.removeParticipant(id);
    for (const link of [...this.pipes.values()]) link.close();
    this.#closed = true;
    this.#routers.close();
    this.emit({ type: 'room.closed' });
  }

  #lingerIfEmpty(): void {
    if (this.#closing || !this.empty || this.#linger) return;
    this.#linger = setTimeout(() => {
      this.#linger = undefined;
      if (this.empty) this.host.roomEmpty(this);
    }, this.host.lingerMs);
  }

  #cancelLinger(): void {
    clearTimeout(this.#linger);
    this.#linger = undefined;
  }

  #assertOpen(): void {
    if (this.#closed)
      throw new CascadeError('NOT_FOUND', `room ${this.roomId} is closed on this node`);
  }

  dump() {
    return {
      tenantId: this.tenantId,
      roomId: this.roomId,
      workers: this.workerIndexes,
      participants: [...this.participants.values()].map((p) => p.dump()),
      producers: this.producers.dump(),
      pipes: [...this.pipes.values()].map((l) => l.dump()),
    };
  }
}

export function roomKey(tenantId: string, roomId: string): string {
  return `${tenantId}/${roomId}`;
}
