import { CascadeError } from '@cascade/contracts';
import type { types as ms } from 'mediasoup';

import { gateDump } from './consumer-gate';
import { throwNotFound } from './media-errors';

export interface ParticipantLimits {
  transports: number;
  producers: number;
  consumers: number;
  dataChannels: number;
}

export type MediaTransport = ms.WebRtcTransport | ms.PlainTransport;

/**
 * One participant's media objects on this node. Every lookup goes through here, so an id that
 * belongs to someone else (another participant, room or tenant) is simply not found. The
 * participant owns its transports, and through them its producers and consumers: `close()`
 * closes all of them.
 */
export class RoomParticipant {
  readonly transports = new Map<string, MediaTransport>();
  readonly producers = new Map<string, ms.Producer>();
  readonly consumers = new Map<string, ms.Consumer>();
  readonly dataProducers = new Map<string, ms.DataProducer>();
  readonly dataConsumers = new Map<string, ms.DataConsumer>();
  #closed = false;

  constructor(
    readonly id: string,
    /** The worker that hosts all of this participant's transports. */
    readonly workerIndex: number,
    private readonly limits: ParticipantLimits,
  ) {}

  get closed(): boolean {
    return this.#closed;
  }

  transport(id: string): MediaTransport {
    return this.transports.get(id) ?? throwNotFound('transport', id);
  }

  webRtcTransport(id: string): ms.WebRtcTransport {
    const transport = this.transport(id);
    if (transport.type !== 'webrtc')
      throw new CascadeError('INVALID_ARGUMENT', `transport ${id} is not a WebRTC transport`);
    return transport as ms.WebRtcTransport;
  }

  plainTransport(id: string): ms.PlainTransport {
    const transport = this.transport(id);
    if (transport.type !== 'plain')
      throw new CascadeError('INVALID_ARGUMENT', `transport ${id} is not a plain transport`);
    return transport as ms.PlainTransport;
  }

  producer(id: string): ms.Producer {
    return this.producers.get(id) ?? throwNotFound('producer', id);
  }

  consumer(id: string): ms.Consumer {
    return this.consumers.get(id) ?? throwNotFound('consumer', id);
  }

  dataProducer(id: string): ms.DataProducer {
    return this.dataProducers.get(id) ?? throwNotFound('data producer', id);
  }

  dataConsumer(id: string): ms.DataConsumer {
    return this.dataConsumers.get(id) ?? throwNotFound('data consumer', id);
  }

  checkCanAdd(kind: keyof ParticipantLimits): void {
    const count =
      kind === 'transports'
        ? this.transports.size
        : kind === 'producers'
          ? this.producers.size
          : kind === 'consumers'
            ? this.consumers.size
            : this.dataProducers.size + this.dataConsumers.size;
    const limit = this.limits[kind];
    if (count >= limit) {
      throw new CascadeError('LIMIT_EXCEEDED', `a participant may have at most ${limit} ${kind}`, {
        limit,
        kind,
      });
    }
  }

  get streamCount(): number {
    return this.producers.size + this.consumers.size;
  }

  /** Closes every transport (and so every producer and consumer). Idempotent. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    for (const transport of this.transports.values()) transport.close();
    this.transports.clear();
    this.producers.clear();
    this.consumers.clear();
    this.dataProducers.clear();
    this.dataConsumers.clear();
  }

  /**
   * What each consumer sent so far (its `outbound-rtp` counters; one stats call per consumer).
   * A consumer that closes meanwhile is left out.
   */
  async consumerCounters(): Promise<Map<string, { packetsSent: number; bytesSent: number }>> {
    const counters = new Map<string, { packetsSent: number; bytesSent: number }>();
    await Promise.all(
      [...this.consumers.values()].map(async (c) => {
        const stats = await c.getStats().catch(() => undefined);
        const sent = stats?.find((s) => s.type === 'outbound-rtp');
        if (sent) counters.set(c.id, { packetsSent: sent.packetCount, bytesSent: sent.byteCount });
      }),
    );
    return counters;
  }

  dump() {
    return {
      participantId: this.id,
      workerIndex: this.workerIndex,
      transports: [...this.transports.values()].map((t) => ({ id: t.id, type: t.type })),
      producers: [...this.producers.values()].map((p) => ({
        id: p.id,
        kind: p.kind,
        paused: p.paused,
        appData: p.appData,
      })),
      consumers: [...this.consumers.values()].map((c) => ({
        id: c.id,
        producerId: c.producerId,
        kind: c.kind,
        paused: c.paused,
        ...gateDump(c),
      })),
      dataProducers: [...this.dataProducers.keys()],
      dataConsumers: [...this.dataConsumers.keys()],
    };
  }
}
