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

import { toCascadeError } from '../media/media-errors';
import type { SfuNode } from '../media/sfu-node';
import { KeyedQueue } from './keyed-queue';

type Handler<O extends SfuControlOp> = (
  node: SfuNode,
  r: SfuControlRequestOf<O>,
) => Promise<SfuControlResult<O>>;

const empty = {} as Record<string, never>;

/** One function per operation: find the room (or open it, for the ops that may), call it. */
const HANDLERS: { [O in SfuControlOp]: Handler<O> } = {
  'router.capabilities': async (n, r) => ({
    rtpCapabilities: await n.openRoom(r.tenantId, r.roomId).rtpCapabilities(),
  }),
  'transport.createWebRtc': (n, r) => n.openRoom(r.tenantId, r.roomId).createWebRtcTransport(r),
  'transport.createPlain': (n, r) => n.openRoom(r.tenantId, r.roomId).createPlainTransport(r),
  'transport.connect': async (n, r) => {
    await n
      .room(r.tenantId, r.roomId)
      .participant(r.participantId)
      .webRtcTransport(r.transportId)
      .connect({ dtlsParameters: r.dtlsParameters });
    return empty;
  },
  'transport.connectPlain': async (n, r) => {
    const transport = n
      .room(r.tenantId, r.roomId)
      .participant(r.participantId)
      .plainTransport(r.transportId);
    await transport.connect({
      ...(r.ip ? { ip: r.ip } : {}),
      ...(r.port ? { port: r.port } : {}),
      ...(r.rtcpPort ? { rtcpPort: r.rtcpPort } : {}),
      ...(r.srtpParameters ? { srtpParameters: r.srtpParameters } : {}),
    });
    return empty;
  },
  'transport.restartIce': async (n, r) => ({
    iceParameters: await n
      .room(r.tenantId, r.roomId)
      .participant(r.participantId)
      .webRtcTransport(r.transportId)
      .restartIce(),
  }),
  'transport.setMaxIncomingBitrate': async (n, r) => {
    await n
      .room(r.tenantId, r.roomId)
      .participant(r.participantId)
      .transport(r.transportId)
      .setMaxIncomingBitrate(r.bitrate);
    return empty;
  },
  'transport.close': async (n, r) => {
    n.room(r.tenantId, r.roomId).closeTransport(r.participantId, r.transportId);
    return empty;
  },
  'producer.create': (n, r) => n.room(r.tenantId, r.roomId).produce(r),
  'producer.pause': async (n, r) => {
    await n.room(r.tenantId, r.roomId).setProducerPaused(r.participantId, r.producerId, true);
    return empty;
  },
  'producer.resume': async (n, r) => {
    await n.room(r.tenantId, r.roomId).setProducerPaused(r.participantId, r.producerId, false);
    return empty;
  },
  'producer.close': async (n, r) => {
    n.room(r.tenantId, r.roomId).closeProducer(r.participantId, r.producerId);
    return empty;
  },
  'consumer.create': (n, r) => n.room(r.tenantId, r.roomId).consume(r),
  'consumer.resume': async (n, r) => {
    await n.room(r.tenantId, r.roomId).participant(r.participantId).consumer(r.consumerId).resume();
    return empty;
  },
  'consumer.pause': async (n, r) => {
    await n.room(r.tenantId, r.roomId).participant(r.participantId).consumer(r.consumerId).pause();
    return empty;
  },
  'consumer.close': async (n, r) => {
    n.room(r.tenantId, r.roomId).closeConsumer(r.participantId, r.consumerId);
    return empty;
  },
  'consumer.setPreferredLayers': async (n, r) => {
    await n
      .room(r.tenantId, r.roomId)
      .participant(r.participantId)
      .consumer(r.consumerId)
      .setPreferredLayers(r.layers);
    return empty;
  },
  'consumer.setPriority': async (n, r) => {
    await n
      .room(r.tenantId, r.roomId)
      .participant(r.participantId)
      .consumer(r.consumerId)
      .setPriority(r.priority);
    return empty;
  },
  'consumer.requestKeyFrame': async (n, r) => {
    await n
      .room(r.tenantId, r.roomId)
      .participant(r.participantId)
      .consumer(r.consumerId)
      .requestKeyFrame();
    return empty;
  },
  'dataProducer.create': (n, r) => n.room(r.tenantId, r.roomId).produceData(r),
  'dataProducer.close': async (n, r) => {
    const participant = n.room(r.tenantId, r.roomId).participant(r.participantId);
    participant.dataProducer(r.dataProducerId).close();
    participant.dataProducers.delete(r.dataProducerId);
    return empty;
  },
  'dataConsumer.create': (n, r) => n.room(r.tenantId, r.roomId).consumeData(r),
  'dataConsumer.close': async (n, r) => {
    const participant = n.room(r.tenantId, r.roomId).participant(r.participantId);
    participant.dataConsumer(r.dataConsumerId).close();
    participant.dataConsumers.delete(r.dataConsumerId);
    return empty;
  },
  'participant.remove': async (n, r) => {
    const room = n.room(r.tenantId, r.roomId);
    room.participant(r.participantId);
    room.removeParticipant(r.participantId);
    return empty;
  },
  'room.dump': async (n, r) => n.room(r.tenantId, r.roomId).dump(),
  'node.dump': async (n) => n.dump(),
  'pipe.create': async (n, r) =>
    (await n.openRoom(r.tenantId, r.roomId).openPipe(r.peerNodeId)).localEnd(),
  'pipe.connect': async (n, r) => {
    await n.room(r.tenantId, r.roomId).pipe(r.peerNodeId).connect(r);
    return empty;
  },
  'pipe.produceOut': (n, r) =>
    n.room(r.tenantId, r.roomId).pipe(r.peerNodeId).produceOut(r.producerId),
  'pipe.produceIn': (n, r) => n.room(r.tenantId, r.roomId).pipe(r.peerNodeId).produceIn(r),
  'pipe.closeProducer': async (n, r) => {
    n.room(r.tenantId, r.roomId).pipe(r.peerNodeId).closeProducer(r.producerId);
    return empty;
  },
  'pipe.close': async (n, r) => {
    n.room(r.tenantId, r.roomId).closePipe(r.peerNodeId);
    return empty;
  },
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
