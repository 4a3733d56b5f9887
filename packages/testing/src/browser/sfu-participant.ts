import type {
  DtlsParameters,
  RtpCapabilities,
  RtpParameters,
  SfuControlResult,
} from '@cascade/contracts';
import type { SfuNodeClient } from '@cascade/sfu-client';
import type { types as client } from 'mediasoup-client';

import {
  BrowserClient,
  type ClientTransportOptions,
  DEFAULT_MEDIA,
  type TransportSignalling,
} from './browser';

// SAME_WIRE: the contracts' schemas describe the JSON mediasoup and mediasoup-client exchange;
// their TypeScript types differ only in how narrowly they spell strings (URIs, algorithms).

/** Where a participant sits: everything a node addresses it by. */
export interface Seat {
  tenantId: string;
  roomId: string;
  participantId: string;
}

export type ConsumerInfo = SfuControlResult<'consumer.create'>;

/** How a participant placed by the orchestrator differs from one talking to a node alone. */
export interface SfuParticipantOptions {
  /** The worker the orchestrator chose (transports are created there). */
  workerIndex?: number;
  /** Asked before each consume: the orchestrator pipes the producer to the node if needed. */
  beforeConsume?: (producerId: string) => Promise<void>;
}

/**
 * A participant signalled the way Cascade signals one: a {@link BrowserClient} whose every
 * server-side step goes through an SFU node's NATS control API (`router.capabilities`,
 * `transport.createWebRtc`, `transport.connect`, `producer.create`, `consumer.create`,
 * `consumer.resume`), as the gateway does on a client's behalf.
 */
export class SfuParticipant {
  #recvTransport?: ClientTransportOptions;

  private constructor(
    readonly browser: BrowserClient,
    readonly node: SfuNodeClient,
    readonly seat: Seat,
    private readonly options: SfuParticipantOptions,
  ) {}

  /** Starts the client and loads its Device with the room's capabilities on `node`. */
  static async join(
    node: SfuNodeClient,
    seat: Seat,
    options: SfuParticipantOptions = {},
  ): Promise<SfuParticipant> {
    const browser = await BrowserClient.launch(seat.participantId);
    try {
      const { rtpCapabilities } = await node.request('router.capabilities', {
        tenantId: seat.tenantId,
        roomId: seat.roomId,
      });
      await browser.load(rtpCapabilities as client.RtpCapabilities); // see SAME_WIRE
      return new SfuParticipant(browser, node, seat, options);
    } catch (error) {
      await browser.close();
      throw error;
    }
  }

  /**
   * Publishes the client's camera and microphone on a send transport of the node; resolves with
   * the transport id and the producer ids, camera first.
   */
  async publish(media = DEFAULT_MEDIA): Promise<{ transportId: string; producerIds: string[] }> {
    const transport = await this.#createTransport('send');
    const producerIds = await this.browser.publishThrough(
      transport,
      {
        ...this.#connector(transport.id),
        produce: async ({ kind, rtpParameters, source }) =>
          (
            await this.node.request('producer.create', {
              ...this.seat,
              transportId: transport.id,
              kind,
              rtpParameters: rtpParameters as RtpParameters, // see SAME_WIRE
              source,
            })
          ).producerId,
      },
      media,
    );
    return { transportId: transport.id, producerIds };
  }

  /**
   * Consumes `producerIds` on the node's receive transport (created on first use) for the
   * client's own capabilities, has the client receive them, then resumes the server-side
   * consumers (they start paused, so the first key frame reaches a receiver that is ready).
   */
  async subscribe(producerIds: string[]): Promise<ConsumerInfo[]> {
    this.#recvTransport ??= await this.#createTransport('recv');
    const transport = this.#recvTransport;
    const consumers: ConsumerInfo[] = [];
    for (const producerId of producerIds) {
      await this.options.beforeConsume?.(producerId);
      consumers.push(
        await this.node.request('consumer.create', {
          ...this.seat,
          transportId: transport.id,
          producerId,
          rtpCapabilities: this.browser.rtpCapabilities as RtpCapabilities, // see SAME_WIRE
        }),
      );
    }
    await this.browser.consumeThrough(
      transport,
      this.#connector(transport.id),
      consumers.map(({ consumerId, producerId, kind, rtpParameters }) => ({
        id: consumerId,
        producerId,
        kind,
        rtpParameters: rtpParameters as client.RtpParameters, // see SAME_WIRE
      })),
    );
    for (const { consumerId } of consumers)
      await this.node.request('consumer.resume', { ...this.seat, consumerId });
    return consumers;
  }

  /** Ends the client process (the node's objects stay until the node or the test removes them). */
  close(): Promise<void> {
    return this.browser.close();
  }

  async #createTransport(direction: 'send' | 'recv'): Promise<ClientTransportOptions> {
    const { transportId, iceParameters, iceCandidates, dtlsParameters } = await this.node.request(
      'transport.createWebRtc',
      {
        ...this.seat,
        direction,
        ...(this.options.workerIndex === undefined
          ? {}
          : { workerIndex: this.options.workerIndex }),
      },
    );
    // see SAME_WIRE
    return {
      id: transportId,
      iceParameters,
      iceCandidates,
      dtlsParameters,
    } as ClientTransportOptions;
  }

  #connector(transportId: string): TransportSignalling {
    return {
      connect: async (dtlsParameters) => {
        await this.node.request('transport.connect', {
          ...this.seat,
          transportId,
          dtlsParameters: dtlsParameters as DtlsParameters, // see SAME_WIRE
        });
      },
    };
  }
}
