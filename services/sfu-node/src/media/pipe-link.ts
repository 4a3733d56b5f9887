import { EventEmitter } from 'node:events';

import {
  CascadeError,
  type PipedProducer,
  type SfuControlRequestOf,
  type SrtpParameters,
} from '@cascade/contracts';
import type { types as ms } from 'mediasoup';

import { watchKeyFrames } from './keyframe-watch';
import { notFound, throwNotFound } from './media-errors';
import type { PipeRoom, TransportSettings } from './room-types';

interface PipeLinkEvents {
  closed: [];
}

/**
 * One end of a room's pipe to another SFU node: a PipeTransport (RTX and SRTP on) shared by
 * every producer of the room that crosses between the two nodes, in either direction.
 * `outbound` are pipe consumers that send local producers to the peer; `inbound` are producers
 * that arrive from the peer under their original ids. Closing the link closes both, and the
 * room learns that the inbound producers are gone.
 */
export class PipeLink extends EventEmitter<PipeLinkEvents> {
  readonly outbound = new Map<string, ms.Consumer>();
  readonly inbound = new Set<string>();
  #transport?: ms.PipeTransport;
  #workerIndex = -1;
  #connectedTo?: string;
  #closed = false;

  constructor(
    private readonly room: PipeRoom,
    readonly peerNodeId: string,
    private readonly settings: TransportSettings,
  ) {
    super();
  }

  get workerIndex(): number {
    return this.#workerIndex;
  }

  get closed(): boolean {
    return this.#closed;
  }

  /** Whether `connect` gave it the peer's end. */
  get connected(): boolean {
    return this.#connectedTo !== undefined;
  }

  get transport(): ms.PipeTransport {
    if (!this.#transport || this.#closed)
      throw new CascadeError('CONFLICT', `pipe to ${this.peerNodeId} is not open`);
    return this.#transport;
  }

  async open(workerIndex: number): Promise<void> {
    const router = await this.room.router(workerIndex);
    const { listenIp, announcedAddress, portRange } = this.settings;
    const transport = await router.createPipeTransport({
      listenInfo: { protocol: 'udp', ip: listenIp, announcedAddress, portRange },
      enableRtx: true,
      enableSrtp: true,
      appData: { peerNodeId: this.peerNodeId },
    });
    if (this.#closed) {
      transport.close();
      throw new CascadeError('CONFLICT', `pipe to ${this.peerNodeId} was closed while opening`);
    }
    this.#transport = transport;
    this.#workerIndex = workerIndex;
    transport.observer.once('close', () => this.close());
  }

  /** Where the peer sends to, and the SRTP key it must use. */
  localEnd(): { transportId: string; ip: string; port: number; srtpParameters: SrtpParameters } {
    const t = this.transport;
    return {
      transportId: t.id,
      ip: this.settings.announcedAddress,
      port: t.tuple.localPort,
      srtpParameters: t.srtpParameters as SrtpParameters,
    };
  }

  async connect(r: SfuControlRequestOf<'pipe.connect'>): Promise<void> {
    const target = JSON.stringify([r.ip, r.port, r.srtpParameters]);
    if (this.#connectedTo !== undefined) {
      if (this.#connectedTo === target) return; // the same connect, repeated: nothing to do
      throw new CascadeError(
        'CONFLICT',
        `pipe to ${this.peerNodeId} is already connected elsewhere`,
      );
    }
    this.#connectedTo = target;
    try {
      await this.transport.connect({ ip: r.ip, port: r.port, srtpParameters: r.srtpParameters });
    } catch (error) {
      this.#connectedTo = undefined;
      throw error;
    }
  }

  /** Starts sending a local producer to the peer (once) and returns what the peer needs. */
  async produceOut(producerId: string): Promise<PipedProducer> {
    const entry = this.room.producerEntry(producerId) ?? throwNotFound('producer', producerId);
    if (entry.fromNodeId === this.peerNodeId) {
      throw new CascadeError(
        'INVALID_ARGUMENT',
        `producer ${producerId} came from ${this.peerNodeId}; it cannot go back`,
      );
    }
    let consumer = this.outbound.get(producerId);
    if (!consumer) {
      await this.room.ensureProducerOn(producerId, this.#workerIndex);
      consumer = await this.transport.consume({ producerId });
      if (this.outbound.has(producerId)) {
        consumer.close(); // a concurrent call won
        consumer = this.outbound.get(producerId)!;
      } else {
        this.outbound.set(producerId, consumer);
        const created = consumer;
        const forget = () => {
          if (this.outbound.get(producerId) === created) this.outbound.delete(producerId);
        };
        created.on('producerclose', forget);
        created.on('transportclose', forget);
        // A pipe consumer too forwards nothing before a key frame, and the consumers on the peer
        // cannot ask for one through a pipe producer that has received nothing yet.
        watchKeyFrames(created, { onRequest: () => this.room.keyFrameRequested() });
      }
    }
    return {
      producerId,
      participantId: entry.participantId,
      kind: consumer.kind,
      source: entry.source,
      rtpParameters: consumer.rtpParameters as PipedProducer['rtpParameters'],
      paused: consumer.producerPaused,
    };
  }

  /** Accepts a producer the peer pipes in, under its original id, into the room. */
  async produceIn(r: SfuControlRequestOf<'pipe.produceIn'>): Promise<{ producerId: string }> {
    const existing = this.room.producerEntry(r.producerId);
    if (existing) {
      if (existing.fromNodeId === this.peerNodeId) return { producerId: r.producerId };
      throw new CascadeError('CONFLICT', `producer ${r.producerId} already exists in this room`);
    }
    const producer = await this.transport.produce({
      id: r.producerId,
      kind: r.kind,
      rtpParameters: r.rtpParameters as ms.RtpParameters,
      paused: r.paused,
      appData: { participantId: r.participantId, source: r.source, fromNodeId: this.peerNodeId },
    });
    this.inbound.add(producer.id);
    producer.on('transportclose', () => {
      this.inbound.delete(producer.id);
      this.room.producerGone(producer.id, 'pipe-closed');
    });
    this.room.registerProducer({
      producer,
      participantId: r.participantId,
      source: r.source,
      workerIndex: this.#workerIndex,
      fromNodeId: this.peerNodeId,
    });
    return { producerId: producer.id };
  }

  /** Stops piping one producer, whichever direction it goes. */
  closeProducer(producerId: string): void {
    const consumer = this.outbound.get(producerId);
    if (consumer) {
      consumer.close();
      this.outbound.delete(producerId);
      return;
    }
    if (this.inbound.delete(producerId)) {
      this.room.producerGone(producerId, 'pipe-closed');
      return;
    }
    throw notFound('piped producer', producerId);
  }

  /** Pauses or resumes a producer that arrives from the peer, as its original was. */
  async setProducerPaused(producerId: string, paused: boolean): Promise<void> {
    if (!this.inbound.has(producerId)) throw notFound('piped producer', producerId);
    await this.room.setPipedProducerPaused(producerId, paused);
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    for (const id of this.inbound) this.room.producerGone(id, 'pipe-closed');
    this.inbound.clear();
    this.outbound.clear();
    this.#transport?.close();
    this.emit('closed');
  }

  dump() {
    return {
      peerNodeId: this.peerNodeId,
      workerIndex: this.#workerIndex,
      transportId: this.#transport?.id,
      connected: this.#connectedTo !== undefined,
      outbound: [...this.outbound.keys()],
      inbound: [...this.inbound],
    };
  }
}
