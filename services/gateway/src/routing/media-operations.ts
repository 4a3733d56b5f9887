import {
  type ConsumerInfo,
  CascadeError,
  type ProducerInfo,
  type SignalingMethod,
  type SignalingParsedRequestOf,
  type SignalingResultOf,
  type TransportInfo,
} from '@cascade/contracts';

import type { Broadcaster } from '../signaling/broadcaster';
import type { SessionBinding, SignalingSocket } from '../signaling/socket-data';
import type { ParticipantSessions } from '../sessions/participant-sessions';
import type { RoomMedia } from '../sessions/room-media';
import type { SessionStore } from '../sessions/session-store';
import type { Routing } from './routing';

type Req<M extends SignalingMethod> = SignalingParsedRequestOf<M>;
type Empty = Record<string, never>;

/**
 * A participant's media requests, sent straight to the SFU node its session was placed on with
 * the tenant, room and participant of the session (never of the request). The session records
 * what exists (for resume and cleanup); producer changes are announced to the room here, once.
 */
export class MediaOperations {
  constructor(
    private readonly store: SessionStore,
    private readonly media: RoomMedia,
    private readonly sessions: ParticipantSessions,
    private readonly routing: Routing,
    private readonly out: Broadcaster,
  ) {}

  async createTransport(
    socket: SignalingSocket,
    request: Req<'transport.create'>,
  ): Promise<TransportInfo> {
    const s = session(socket);
    const node = await this.routing.node(s.nodeId);
    const created = await node.request('transport.createWebRtc', {
      ...participant(s),
      direction: request.direction,
      ...(request.sctpCapabilities ? { sctp: request.sctpCapabilities } : {}),
      workerIndex: s.workerIndex,
    });
    await this.store.record(s, 'transport', created.transportId, request.direction);
    return {
      transportId: created.transportId,
      direction: request.direction,
      iceParameters: created.iceParameters,
      iceCandidates: created.iceCandidates,
      dtlsParameters: created.dtlsParameters,
      ...(created.sctpParameters ? { sctpParameters: created.sctpParameters } : {}),
    };
  }

  async connectTransport(
    socket: SignalingSocket,
    request: Req<'transport.connect'>,
  ): Promise<Empty> {
    const s = session(socket);
    await (
      await this.routing.node(s.nodeId)
    ).request('transport.connect', {
      ...participant(s),
      transportId: request.transportId,
      dtlsParameters: request.dtlsParameters,
    });
    return {};
  }

  async restartIce(
    socket: SignalingSocket,
    request: Req<'transport.restartIce'>,
  ): Promise<SignalingResultOf<'transport.restartIce'>> {
    const s = session(socket);
    const { iceParameters } = await (
      await this.routing.node(s.nodeId)
    ).request('transport.restartIce', { ...participant(s), transportId: request.transportId });
    return { iceParameters };
  }

  async produce(
    socket: SignalingSocket,
    request: Req<'producer.create'>,
  ): Promise<SignalingResultOf<'producer.create'>> {
    const s = session(socket);
    const { producerId } = await (
      await this.routing.node(s.nodeId)
    ).request('producer.create', {
      ...participant(s),
      transportId: request.transportId,
      kind: request.kind,
      rtpParameters: request.rtpParameters,
      source: request.source,
      paused: request.paused,
    });
    const info: ProducerInfo = {
      producerId,
      participantId: s.participantId,
      kind: request.kind,
      source: request.source,
      paused: request.paused,
    };
    await this.store.record(s, 'producer', producerId);
    if (await this.media.addProducer(s.tenantId, s.roomId, info)) {
      this.out.toRoom(s.tenantId, s.roomId, 'producer.added', info, s.participantId);
    }
    return { producerId };
  }

  async pauseProducer(socket: SignalingSocket, request: Req<'producer.pause'>): Promise<Empty> {
    return this.#setProducerPaused(socket, request.producerId, true);
  }

  async resumeProducer(socket: SignalingSocket, request: Req<'producer.resume'>): Promise<Empty> {
    return this.#setProducerPaused(socket, request.producerId, false);
  }

  async closeProducer(socket: SignalingSocket, request: Req<'producer.close'>): Promise<Empty> {
    const s = session(socket);
    await (
      await this.routing.node(s.nodeId)
    ).request('producer.close', {
      ...participant(s),
      producerId: request.producerId,
    });
    await this.store.forget(s, 'producer', request.producerId);
    await this.sessions.announceProducersClosed(s, [request.producerId]);
    return {};
  }

  async consume(socket: SignalingSocket, request: Req<'consumer.create'>): Promise<ConsumerInfo> {
    const s = session(socket);
    // Only producers of this tenant's room are known here; anything else is NOT_FOUND.
    const producer = await this.media.producer(s.tenantId, s.roomId, request.producerId);
    if (!producer) {
      throw new CascadeError('NOT_FOUND', `producer ${request.producerId} is not in this room`);
    }
    if (producer.participantId === s.participantId) {
      throw new CascadeError('INVALID_ARGUMENT', 'a participant does not consume its own producer');
    }
    const prepared = await this.routing.orchestrator('consumer.prepare', {
      ...participant(s),
      producerId: request.producerId,
    });
    const consumer = await (
      await this.routing.node(prepared.nodeId)
    ).request('consumer.create', {
      ...participant(s),
      transportId: request.transportId,
      producerId: request.producerId,
      rtpCapabilities: request.rtpCapabilities,
    });
    await this.store.record(s, 'consumer', consumer.consumerId, consumer.producerId);
    return {
      ...consumer,
      participantId: producer.participantId,
      source: producer.source,
    };
  }

  async resumeConsumer(socket: SignalingSocket, request: Req<'consumer.resume'>): Promise<Empty> {
    const s = session(socket);
    await (
      await this.routing.node(s.nodeId)
    ).request('consumer.resume', {
      ...participant(s),
      consumerId: request.consumerId,
    });
    return {};
  }

  async pauseConsumer(socket: SignalingSocket, request: Req<'consumer.pause'>): Promise<Empty> {
    const s = session(socket);
    await (
      await this.routing.node(s.nodeId)
    ).request('consumer.pause', {
      ...participant(s),
      consumerId: request.consumerId,
    });
    return {};
  }

  async closeConsumer(socket: SignalingSocket, request: Req<'consumer.close'>): Promise<Empty> {
    const s = session(socket);
    await (
      await this.routing.node(s.nodeId)
    ).request('consumer.close', {
      ...participant(s),
      consumerId: request.consumerId,
    });
    await this.store.forget(s, 'consumer', request.consumerId);
    return {};
  }

  async setPreferredLayers(
    socket: SignalingSocket,
    request: Req<'consumer.setPreferredLayers'>,
  ): Promise<Empty> {
    const s = session(socket);
    await (
      await this.routing.node(s.nodeId)
    ).request('consumer.setPreferredLayers', {
      ...participant(s),
      consumerId: request.consumerId,
      layers: {
        spatialLayer: request.spatialLayer,
        ...(request.temporalLayer === undefined ? {} : { temporalLayer: request.temporalLayer }),
      },
    });
    return {};
  }

  async #setProducerPaused(
    socket: SignalingSocket,
    producerId: string,
    paused: boolean,
  ): Promise<Empty> {
    const s = session(socket);
    await (
      await this.routing.node(s.nodeId)
    ).request(paused ? 'producer.pause' : 'producer.resume', {
      ...participant(s),
      producerId,
    });
    if (await this.media.setPaused(s.tenantId, s.roomId, producerId, paused)) {
      const event = paused ? 'producer.paused' : 'producer.resumed';
      this.out.toRoom(
        s.tenantId,
        s.roomId,
        event,
        { producerId, participantId: s.participantId },
        s.participantId,
      );
    }
    return {};
  }
}

/** The socket's session (the pipeline lets only joined sockets reach media requests). */
function session(socket: SignalingSocket): SessionBinding {
  const binding = socket.data.session;
  if (!binding) throw new CascadeError('CONFLICT', 'join the room first (room.join)');
  return binding;
}

function participant(s: SessionBinding) {
  return { tenantId: s.tenantId, roomId: s.roomId, participantId: s.participantId };
}
