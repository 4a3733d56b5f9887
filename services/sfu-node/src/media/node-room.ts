import {
  CascadeError,
  type MediaSource,
  type RtpCapabilities,
  type RtpParameters,
  type SfuControlRequestOf,
} from '@cascade/contracts';
import type { types as ms } from 'mediasoup';

import { ROOM_MEDIA_CODECS } from './media-codecs';
import { notFound, throwNotFound } from './media-errors';
import { PipeLink } from './pipe-link';
import type { RoomEventBody, RoomEventSink } from './room-events';
import { type MediaTransport, type ParticipantLimits, RoomParticipant } from './room-participant';

export interface TransportSettings {
  listenIp: string;
  announcedAddress: string;
  portRange: { min: number; max: number };
}

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
}

export interface ProducerEntry {
  producer: ms.Producer;
  participantId: string;
  source: MediaSource;
  workerIndex: number;
  /** Set for a producer piped in from another node. */
  fromNodeId?: string;
}

/**
 * A room on this node: a router per worker that hosts its participants (created on first use,
 * joined to each other with `pipeToRouter`), an active-speaker and an audio-level observer, its
 * participants, every producer in it (local or piped in from another node) and its pipe links to
 * other nodes. Owns all of them: `close()` closes everything and emits `room.closed` once.
 */
export class NodeRoom {
  readonly key: string;
  readonly participants = new Map<string, RoomParticipant>();
  readonly producers = new Map<string, ProducerEntry>();
  readonly pipes = new Map<string, PipeLink>();
  readonly #routers = new Map<number, Promise<ms.Router>>();
  readonly #pipedToRouter = new Map<string, Promise<void>>();
  #observers?: Promise<{
    workerIndex: number;
    speaker: ms.ActiveSpeakerObserver;
    levels: ms.AudioLevelObserver;
  }>;
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
  }

  get closed(): boolean {
    return this.#closed;
  }

  /** Workers this room has a router on. */
  get workerIndexes(): number[] {
    return [...this.#routers.keys()];
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
    let router = this.#routers.get(workerIndex);
    if (!router) {
      const slot = this.host.worker(workerIndex);
      if (!slot)
        throw new CascadeError(
          'NODE_UNAVAILABLE',
          `worker ${workerIndex} is not running on this node`,
        );
      router = slot.worker.createRouter({
        mediaCodecs: ROOM_MEDIA_CODECS,
        appData: { room: this.key },
      });
      this.#routers.set(workerIndex, router);
      router.catch(() => this.#routers.delete(workerIndex));
    }
    return router;
  }

  async rtpCapabilities(): Promise<RtpCapabilities> {
    const first = this.workerIndexes[0] ?? this.host.pickWorker(this);
    return (await this.router(first)).rtpCapabilities as RtpCapabilities;
  }

  /** Makes a producer consumable on `workerIndex`'s router (piping it there inside the node once). */
  async ensureProducerOn(producerId: string, workerIndex: number): Promise<void> {
    const entry = this.producers.get(producerId) ?? throwNotFound('producer', producerId);
    if (entry.workerIndex === workerIndex) return;
    const key = `${producerId}:${workerIndex}`;
    let piping = this.#pipedToRouter.get(key);
    if (!piping) {
      piping = (async () => {
        const [from, to] = await Promise.all([
          this.router(entry.workerIndex),
          this.router(workerIndex),
        ]);
        await from.pipeToRouter({ producerId, router: to });
      })();
      this.#pipedToRouter.set(key, piping);
      piping.catch(() => this.#pipedToRouter.delete(key));
    }
    await piping;
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
    const slot = this.host.worker(participant.workerIndex)!;
    const transport = await router.createWebRtcTransport({
      webRtcServer: slot.webRtcServer,
      enableUdp: true,
      enableTcp: true,
      preferUdp: true,
      enableSctp: r.sctp !== undefined,
      ...(r.sctp ? { numSctpStreams: r.sctp.numStreams } : {}),
      appData: { participantId: participant.id, direction: r.direction },
    });
    this.#adoptTransport(participant, transport);
    transport.on('dtlsstatechange', (state) => {
      if (state === 'failed' || state === 'closed') {
        this.#closeTransport(
          participant,
          transport.id,
          state === 'failed' ? 'dtls-failed' : 'dtls-closed',
        );
      }
    });
    return {
      transportId: transport.id,
      workerIndex: participant.workerIndex,
      iceParameters: transport.iceParameters,
      iceCandidates: transport.iceCandidates,
      dtlsParameters: transport.dtlsParameters,
      ...(transport.sctpParameters ? { sctpParameters: transport.sctpParameters } : {}),
    };
  }

  async createPlainTransport(r: SfuControlRequestOf<'transport.createPlain'>) {
    const participant = this.participantForTransport(r.participantId, r.workerIndex);
    participant.checkCanAdd('transports');
    const router = await this.router(participant.workerIndex);
    const { listenIp, announcedAddress, portRange } = this.host.transport;
    const transport = await router.createPlainTransport({
      listenInfo: { protocol: 'udp', ip: listenIp, announcedAddress, portRange },
      rtcpMux: r.rtcpMux,
      comedia: r.comedia,
      enableSrtp: r.enableSrtp,
      appData: { participantId: participant.id },
    });
    this.#adoptTransport(participant, transport);
    return {
      transportId: transport.id,
      workerIndex: participant.workerIndex,
      ip: transport.tuple.localAddress ?? announcedAddress,
      port: transport.tuple.localPort,
      ...(transport.rtcpTuple ? { rtcpPort: transport.rtcpTuple.localPort } : {}),
      ...(transport.srtpParameters ? { srtpParameters: transport.srtpParameters } : {}),
    };
  }

  closeTransport(participantId: string, transportId: string): void {
    const participant = this.participant(participantId);
    participant.transport(transportId);
    this.#closeTransport(participant, transportId, 'closed');
  }

  #adoptTransport(participant: RoomParticipant, transport: MediaTransport): void {
    if (participant.closed) {
      transport.close();
      throw new CascadeError('CONFLICT', `participant ${participant.id} was removed meanwhile`);
    }
    participant.transports.set(transport.id, transport);
    (transport.observer as NodeJS.EventEmitter).once('close', () =>
      participant.transports.delete(transport.id),
    );
  }

  #closeTransport(
    participant: RoomParticipant,
    transportId: string,
    reason: 'closed' | 'dtls-failed' | 'dtls-closed',
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
    const { producer } = entry;
    this.producers.set(producer.id, entry);
    producer.on('score', (scores) => {
      const score = Math.min(...scores.map((s) => s.score));
      if (Number.isFinite(score))
        this.emit({
          type: 'producer.score',
          participantId: entry.participantId,
          producerId: producer.id,
          score,
        });
    });
    if (producer.kind === 'audio') void this.#observe(entry).catch(() => undefined);
    this.emit({
      type: 'producer.created',
      participantId: entry.participantId,
      producerId: producer.id,
      kind: producer.kind,
      source: entry.source,
      piped: entry.fromNodeId !== undefined,
      paused: producer.paused,
    });
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
  async setPipedProducerPaused(producerId: string, paused: boolean): Promise<void> {
    const entry = this.producers.get(producerId) ?? throwNotFound('producer', producerId);
    if (entry.producer.paused === paused) return;
    await (paused ? entry.producer.pause() : entry.producer.resume());
    this.emit({
      type: paused ? 'producer.paused' : 'producer.resumed',
      participantId: entry.participantId,
      producerId,
    });
  }

  closeProducer(participantId: string, producerId: string): void {
    const participant = this.participant(participantId);
    participant.producer(producerId);
    this.producerGone(producerId, 'closed');
  }

  /** Closes a producer wherever it is and tells the room, once. */
  producerGone(
    producerId: string,
    reason: 'closed' | 'transport-closed' | 'participant-removed' | 'worker-died' | 'pipe-closed',
  ): void {
    const entry = this.producers.get(producerId);
    if (!entry) return;
    this.producers.delete(producerId);
    for (const key of this.#pipedToRouter.keys())
      if (key.startsWith(`${producerId}:`)) this.#pipedToRouter.delete(key);
    this.participants.get(entry.participantId)?.producers.delete(producerId);
    entry.producer.close();
    this.emit({ type: 'producer.closed', participantId: entry.participantId, producerId, reason });
  }

  async #observe(entry: ProducerEntry): Promise<void> {
    const observers = await this.#ensureObservers();
    if (!this.producers.has(entry.producer.id)) return;
    await this.ensureProducerOn(entry.producer.id, observers.workerIndex);
    await Promise.all([
      observers.speaker.addProducer({ producerId: entry.producer.id }),
      observers.levels.addProducer({ producerId: entry.producer.id }),
    ]);
  }

  #ensureObservers() {
    this.#observers ??= (async () => {
      const workerIndex = this.workerIndexes[0] ?? this.host.pickWorker(this);
      const router = await this.router(workerIndex);
      const speaker = await router.createActiveSpeakerObserver({ interval: 300 });
      const levels = await router.createAudioLevelObserver({
        maxEntries: 5,
        threshold: -70,
        interval: 800,
      });
      speaker.on('dominantspeaker', ({ producer }) => {
        const entry = this.producers.get(producer.id);
        if (entry)
          this.emit({
            type: 'room.activeSpeaker',
            participantId: entry.participantId,
            producerId: producer.id,
          });
      });
      levels.on('volumes', (volumes) => {
        const known = volumes.flatMap(({ producer, volume }) => {
          const entry = this.producers.get(producer.id);
          return entry
            ? [{ participantId: entry.participantId, producerId: producer.id, volume }]
            : [];
        });
        if (known.length > 0) this.emit({ type: 'room.audioLevels', levels: known });
      });
      levels.on('silence', () => this.emit({ type: 'room.silence' }));
      router.observer.once('close', () => (this.#observers = undefined));
      return { workerIndex, speaker, levels };
    })();
    const observers = this.#observers;
    observers.catch(() => {
      if (this.#observers === observers) this.#observers = undefined;
    });
    return observers;
  }

  // ── consumers ────────────────────────────────────────────────────────────────────────────

  async consume(r: SfuControlRequestOf<'consumer.create'>) {
    const participant = this.participant(r.participantId);
    const transport = participant.transport(r.transportId);
    participant.checkCanAdd('consumers');
    const entry = this.producers.get(r.producerId) ?? throwNotFound('producer', r.producerId);
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

  #adoptConsumer(participant: RoomParticipant, consumer: ms.Consumer): void {
    const base = {
      participantId: participant.id,
      consumerId: consumer.id,
      producerId: consumer.producerId,
    };
    participant.consumers.set(consumer.id, consumer);
    consumer.on('transportclose', () => participant.consumers.delete(consumer.id));
    consumer.on('producerclose', () => {
      participant.consumers.delete(consumer.id);
      this.emit({ type: 'consumer.closed', ...base, reason: 'producer-closed' });
    });
    consumer.on('producerpause', () => this.emit({ type: 'consumer.producerPaused', ...base }));
    consumer.on('producerresume', () => this.emit({ type: 'consumer.producerResumed', ...base }));
    consumer.on('layerschange', (layers) =>
      this.emit({
        type: 'consumer.layersChanged',
        participantId: participant.id,
        consumerId: consumer.id,
        layers: layers
          ? {
              spatialLayer: layers.spatialLayer,
              ...(layers.temporalLayer !== undefined
                ? { temporalLayer: layers.temporalLayer }
                : {}),
            }
          : null,
      }),
    );
    consumer.on('score', ({ score, producerScore }) =>
      this.emit({
        type: 'consumer.score',
        participantId: participant.id,
        consumerId: consumer.id,
        score,
        producerScore,
      }),
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

  async produceData(r: SfuControlRequestOf<'dataProducer.create'>) {
    const participant = this.participant(r.participantId);
    const transport = participant.webRtcTransport(r.transportId);
    participant.checkCanAdd('dataChannels');
    const dataProducer = await transport.produceData({
      sctpStreamParameters: r.sctpStreamParameters,
      label: r.label,
      protocol: r.protocol,
      appData: { participantId: participant.id },
    });
    participant.dataProducers.set(dataProducer.id, dataProducer);
    dataProducer.on('transportclose', () => participant.dataProducers.delete(dataProducer.id));
    return { dataProducerId: dataProducer.id };
  }

  async consumeData(r: SfuControlRequestOf<'dataConsumer.create'>) {
    const participant = this.participant(r.participantId);
    const transport = participant.webRtcTransport(r.transportId);
    participant.checkCanAdd('dataChannels');
    const owner = [...this.participants.values()].find((p) =>
      p.dataProducers.has(r.dataProducerId),
    );
    if (!owner) throw notFound('data producer', r.dataProducerId);
    if (owner.workerIndex !== participant.workerIndex) {
      const [from, to] = await Promise.all([
        this.router(owner.workerIndex),
        this.router(participant.workerIndex),
      ]);
      await from
        .pipeToRouter({ dataProducerId: r.dataProducerId, router: to })
        .catch((error: unknown) => {
          // Already piped to that router by an earlier consumer.
          if (!(error instanceof Error) || !/already/i.test(error.message)) throw error;
        });
    }
    const dataConsumer = await transport.consumeData({
      dataProducerId: r.dataProducerId,
      appData: { participantId: participant.id },
    });
    participant.dataConsumers.set(dataConsumer.id, dataConsumer);
    const forget = () => participant.dataConsumers.delete(dataConsumer.id);
    dataConsumer.on('transportclose', forget);
    dataConsumer.on('dataproducerclose', forget);
    return {
      dataConsumerId: dataConsumer.id,
      dataProducerId: dataConsumer.dataProducerId,
      sctpStreamParameters: dataConsumer.sctpStreamParameters ?? { streamId: 0 },
      label: dataConsumer.label,
      protocol: dataConsumer.protocol,
    };
  }

  // ── cascade ──────────────────────────────────────────────────────────────────────────────

  pipe(peerNodeId: string): PipeLink {
    return this.pipes.get(peerNodeId) ?? throwNotFound('pipe to node', peerNodeId);
  }

  async openPipe(peerNodeId: string): Promise<PipeLink> {
    const existing = this.pipes.get(peerNodeId);
    if (existing) return existing;
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
    if (!this.#routers.has(workerIndex)) return [];
    this.#routers.delete(workerIndex);
    const lost = [...this.participants.values()]
      .filter((p) => p.workerIndex === workerIndex)
      .map((p) => p.id);
    for (const id of lost) this.removeParticipant(id, 'worker-died');
    for (const link of [...this.pipes.values()]) if (link.workerIndex === workerIndex) link.close();
    for (const [id, entry] of [...this.producers])
      if (entry.workerIndex === workerIndex) this.producerGone(id, 'worker-died');
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
    for (const router of this.#routers.values())
      void router.then(
        (r) => r.close(),
        () => undefined,
      );
    this.#routers.clear();
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
      producers: [...this.producers.values()].map((e) => ({
        producerId: e.producer.id,
        participantId: e.participantId,
        kind: e.producer.kind,
        source: e.source,
        workerIndex: e.workerIndex,
        paused: e.producer.paused,
        ...(e.fromNodeId ? { fromNodeId: e.fromNodeId } : {}),
      })),
      pipes: [...this.pipes.values()].map((l) => l.dump()),
    };
  }
}

export function roomKey(tenantId: string, roomId: string): string {
  return `${tenantId}/${roomId}`;
}
