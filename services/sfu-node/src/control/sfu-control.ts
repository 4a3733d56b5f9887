import {
  CascadeError,
  type Reply,
  SFU_CONTROL_MAX_BYTES,
  SfuAdminRequest,
  type SfuAdminResult,
  SfuControlRequest,
  type SfuControlOp,
  type SfuControlRequestOf,
  type SfuControlResult,
  errorReply,
  okReply,
  parseOrThrow,
} from '@cascade/contracts';

import { applyViewStates, setClientPaused } from '../media/consumer-gate';
import { toCascadeError } from '../media/media-errors';
import type { SfuNode } from '../media/sfu-node';
import { KeyedQueue } from '@cascade/server-kit';

type Handler<O extends SfuControlOp> = (
  node: SfuNode,
  r: SfuControlRequestOf<O>,
) => Promise<SfuControlResult<O>>;

const empty = {} as Record<string, never>;

type ParticipantRef = { tenantId: string; roomId: string; participantId: string };
const participantOf = (n: SfuNode, r: ParticipantRef) =>
  n.room(r.tenantId, r.roomId).participant(r.participantId);
const consumerOf = (n: SfuNode, r: ParticipantRef & { consumerId: string }) =>
  participantOf(n, r).consumer(r.consumerId);
/** Runs an operation that answers nothing but success. */
const done = async (operation: Promise<unknown> | unknown) => {
  await operation;
  return empty;
};

/** One function per operation: find the room (or open it, for the ops that may), call it. */
const HANDLERS: { [O in SfuControlOp]: Handler<O> } = {
  'router.capabilities': async (n, r) => ({
    rtpCapabilities: await n.openRoom(r.tenantId, r.roomId).rtpCapabilities(),
  }),
  'transport.createWebRtc': (n, r) => n.openRoom(r.tenantId, r.roomId).createWebRtcTransport(r),
  'transport.createPlain': (n, r) => n.openRoom(r.tenantId, r.roomId).createPlainTransport(r),
  'transport.connect': (n, r) =>
    done(
      participantOf(n, r)
        .webRtcTransport(r.transportId)
        .connect({ dtlsParameters: r.dtlsParameters }),
    ),
  'transport.connectPlain': (n, r) =>
    done(
      participantOf(n, r)
        .plainTransport(r.transportId)
        .connect({
          ...(r.ip ? { ip: r.ip } : {}),
          ...(r.port ? { port: r.port } : {}),
          ...(r.rtcpPort ? { rtcpPort: r.rtcpPort } : {}),
          ...(r.srtpParameters ? { srtpParameters: r.srtpParameters } : {}),
        }),
    ),
  'transport.restartIce': async (n, r) => ({
    iceParameters: await participantOf(n, r).webRtcTransport(r.transportId).restartIce(),
  }),
  'transport.setMaxIncomingBitrate': (n, r) =>
    done(participantOf(n, r).transport(r.transportId).setMaxIncomingBitrate(r.bitrate)),
  'transport.close': (n, r) =>
    done(n.room(r.tenantId, r.roomId).closeTransport(r.participantId, r.transportId)),
  'producer.create': (n, r) => n.room(r.tenantId, r.roomId).produce(r),
  'producer.pause': (n, r) =>
    done(n.room(r.tenantId, r.roomId).setProducerPaused(r.participantId, r.producerId, true)),
  'producer.resume': (n, r) =>
    done(n.room(r.tenantId, r.roomId).setProducerPaused(r.participantId, r.producerId, false)),
  'producer.close': (n, r) =>
    done(n.room(r.tenantId, r.roomId).closeProducer(r.participantId, r.producerId)),
  'consumer.create': (n, r) => n.room(r.tenantId, r.roomId).consume(r),
  // The client's pause, composed with its view's (consumer-gate.ts).
  'consumer.resume': (n, r) => done(setClientPaused(consumerOf(n, r), false)),
  'consumer.pause': (n, r) => done(setClientPaused(consumerOf(n, r), true)),
  'consumer.close': (n, r) =>
    done(n.room(r.tenantId, r.roomId).closeConsumer(r.participantId, r.consumerId)),
  'consumer.setPreferredLayers': (n, r) => done(consumerOf(n, r).setPreferredLayers(r.layers)),
  'consumer.setPriority': (n, r) => done(consumerOf(n, r).setPriority(r.priority)),
  'consumer.requestKeyFrame': (n, r) => done(consumerOf(n, r).requestKeyFrame()),
  'consumer.setViewState': (n, r) => applyViewStates(participantOf(n, r).consumers, r.consumers),
  'dataProducer.create': (n, r) => n.room(r.tenantId, r.roomId).produceData(r),
  'dataProducer.close': (n, r) => {
    const participant = participantOf(n, r);
    participant.dataProducer(r.dataProducerId).close();
    return done(participant.dataProducers.delete(r.dataProducerId));
  },
  'dataConsumer.create': (n, r) => n.room(r.tenantId, r.roomId).consumeData(r),
  'dataConsumer.close': (n, r) => {
    const participant = participantOf(n, r);
    participant.dataConsumer(r.dataConsumerId).close();
    return done(participant.dataConsumers.delete(r.dataConsumerId));
  },
  'participant.remove': (n, r) => {
    participantOf(n, r); // NOT_FOUND for someone who is not here
    return done(n.room(r.tenantId, r.roomId).removeParticipant(r.participantId));
  },
  'room.dump': async (n, r) => {
    const room = n.room(r.tenantId, r.roomId);
    const dump = room.dump();
    if (!r.consumerStats) return dump;
    // What each consumer sent: what a view's pause means on the wire (tests, operators).
    const participants = await Promise.all(
      dump.participants.map(async (p) => {
        const counters = await (room.participants.get(p.participantId)?.consumerCounters() ??
          new Map<string, { packetsSent: number; bytesSent: number }>());
        return {
          ...p,
          consumers: p.consumers.map((c) => ({ ...c, ...counters.get(c.id) })),
        };
      }),
    );
    return { ...dump, participants };
  },
  'node.dump': async (n) => n.dump(),
  'pipe.create': async (n, r) =>
    (await n.openRoom(r.tenantId, r.roomId).openPipe(r.peerNodeId)).localEnd(),
  'pipe.connect': (n, r) => done(n.room(r.tenantId, r.roomId).pipe(r.peerNodeId).connect(r)),
  'pipe.produceOut': (n, r) =>
    n.room(r.tenantId, r.roomId).pipe(r.peerNodeId).produceOut(r.producerId),
  'pipe.produceIn': (n, r) => n.room(r.tenantId, r.roomId).pipe(r.peerNodeId).produceIn(r),
  'pipe.closeProducer': (n, r) =>
    done(n.room(r.tenantId, r.roomId).pipe(r.peerNodeId).closeProducer(r.producerId)),
  'pipe.setProducerPaused': (n, r) =>
    done(n.room(r.tenantId, r.roomId).pipe(r.peerNodeId).setProducerPaused(r.producerId, r.paused)),
  'pipe.close': (n, r) => done(n.room(r.tenantId, r.roomId).closePipe(r.peerNodeId)),
};

/**
 * The node's control API, independent of NATS: bytes in, reply out. Validates size, JSON and
 * schema (INVALID_ARGUMENT with field paths), serializes each room's requests, runs the
 * operation, and turns every failure into the error envelope. Nothing it receives can throw
 * out of `handle()`.
 */
export class SfuControl {
  readonly #queue = new KeyedQueue();

  constructor(
    private readonly node: SfuNode,
    private readonly onInternalError: (error: unknown, op: string) => void = () => undefined,
  ) {}

  async handle(bytes: Uint8Array): Promise<Reply<unknown>> {
    let op = 'unknown';
    try {
      const request = parseOrThrow(SfuControlRequest, decode(bytes), 'SFU control request');
      op = request.op;
      const key = 'tenantId' in request ? `${request.tenantId}/${request.roomId}` : 'node';
      const handler = HANDLERS[request.op] as Handler<SfuControlOp>;
      return okReply(
        await this.#queue.run(key, () =>
          handler(this.node, request as SfuControlRequestOf<SfuControlOp>),
        ),
      );
    } catch (raw) {
      const error = toCascadeError(raw);
      if (!(error instanceof CascadeError)) this.onInternalError(raw, op);
      return errorReply(error);
    }
  }

  async handleAdmin(bytes: Uint8Array): Promise<Reply<SfuAdminResult>> {
    try {
      const request = parseOrThrow(SfuAdminRequest, decode(bytes), 'SFU admin request');
      if (request.op === 'drain') this.node.drain();
      if (request.op === 'undrain') this.node.undrain();
      return okReply({
        state: this.node.state,
        rooms: this.node.rooms.size,
        participants: this.node.participantCount,
      });
    } catch (raw) {
      const error = toCascadeError(raw);
      if (!(error instanceof CascadeError)) this.onInternalError(raw, 'admin');
      return errorReply(error);
    }
  }
}

function decode(bytes: Uint8Array): unknown {
  if (bytes.length > SFU_CONTROL_MAX_BYTES) {
    throw new CascadeError(
      'INVALID_ARGUMENT',
      `request is ${bytes.length} bytes; the limit is ${SFU_CONTROL_MAX_BYTES}`,
    );
  }
  try {
    return JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes));
  } catch {
    throw new CascadeError('INVALID_ARGUMENT', 'request is not valid UTF-8 JSON');
  }
}
