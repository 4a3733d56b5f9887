import { z } from 'zod';

import { MediaObjectId, NodeId, ParticipantId, RoomId, TenantId } from '../ids';
import { SfuNodeDump, SfuRoomDump } from '../room-dump';
import {
  ConsumerLayers,
  DtlsParameters,
  IceCandidate,
  IceParameters,
  IpAddress,
  MediaKind,
  MediaSource,
  RtpCapabilities,
  RtpParameters,
  SctpCapabilities,
  SctpParameters,
  SctpStreamParameters,
  SrtpParameters,
} from './media-types';

/**
 * The control API of one SFU node, served as NATS request/reply on
 * `subjects.sfuNodeControl(nodeId)`. Every request is one of `SfuControlRequest` (discriminated
 * by `op`); every reply is `Reply<SfuControlResults[op]>` (see `reply.ts`).
 *
 * Everything a participant owns is addressed by tenant, room and participant together: an id
 * that exists in another room or tenant is `NOT_FOUND`, exactly like an id that does not exist.
 */

/** Largest control request a node accepts, in bytes of JSON. */
export const SFU_CONTROL_MAX_BYTES = 64 * 1024;

const room = { tenantId: TenantId, roomId: RoomId };
const participant = { ...room, participantId: ParticipantId };
/** Worker chosen by the orchestrator for a participant; omitted: the node picks its least loaded. */
const workerIndex = z.number().int().min(0).max(1_023).optional();

const op = <O extends string, S extends z.ZodRawShape>(name: O, shape: S) =>
  z.object({ op: z.literal(name), ...shape }).strict();

export const SfuControlRequest = z.discriminatedUnion('op', [
  op('router.capabilities', { ...room }),
  op('transport.createWebRtc', {
    ...participant,
    direction: z.enum(['send', 'recv']),
    sctp: SctpCapabilities.optional(),
    workerIndex,
  }),
  op('transport.createPlain', {
    ...participant,
    comedia: z.boolean().default(true),
    rtcpMux: z.boolean().default(true),
    enableSrtp: z.boolean().default(false),
    workerIndex,
  }),
  op('transport.connect', {
    ...participant,
    transportId: MediaObjectId,
    dtlsParameters: DtlsParameters,
  }),
  op('transport.connectPlain', {
    ...participant,
    transportId: MediaObjectId,
    ip: IpAddress.optional(),
    port: z.number().int().min(1).max(65_535).optional(),
    rtcpPort: z.number().int().min(1).max(65_535).optional(),
    srtpParameters: SrtpParameters.optional(),
  }),
  op('transport.restartIce', { ...participant, transportId: MediaObjectId }),
  op('transport.setMaxIncomingBitrate', {
    ...participant,
    transportId: MediaObjectId,
    bitrate: z.number().int().min(10_000).max(100_000_000),
  }),
  op('transport.close', { ...participant, transportId: MediaObjectId }),
  op('producer.create', {
    ...participant,
    transportId: MediaObjectId,
    kind: MediaKind,
    rtpParameters: RtpParameters,
    source: MediaSource,
    paused: z.boolean().default(false),
  }),
  op('producer.pause', { ...participant, producerId: MediaObjectId }),
  op('producer.resume', { ...participant, producerId: MediaObjectId }),
  op('producer.close', { ...participant, producerId: MediaObjectId }),
  op('consumer.create', {
    ...participant,
    transportId: MediaObjectId,
    producerId: MediaObjectId,
    rtpCapabilities: RtpCapabilities,
    /**
     * Start paused (the default: resumed once the client has set up its side). Unpaused only on
     * a transport that is not connected yet, where nothing can flow before the client is ready.
     */
    paused: z.boolean().optional(),
  }),
  op('consumer.resume', { ...participant, consumerId: MediaObjectId }),
  op('consumer.pause', { ...participant, consumerId: MediaObjectId }),
  op('consumer.close', { ...participant, consumerId: MediaObjectId }),
  op('consumer.setPreferredLayers', {
    ...participant,
    consumerId: MediaObjectId,
    layers: ConsumerLayers,
  }),
  op('consumer.setPriority', {
    ...participant,
    consumerId: MediaObjectId,
    priority: z.number().int().min(1).max(255),
  }),
  op('consumer.requestKeyFrame', { ...participant, consumerId: MediaObjectId }),
  /**
   * The gateway's view of what a participant shows (`room.setView`), for some of its consumers:
   * `paused` is the view's own pause, kept apart from the client's (`consumer.pause`/`resume`):
   * a consumer flows only while neither holds it. `spatialLayer` sets its preferred layer (video
   * only). Audio consumers take the pause too: above a room size, only the room's loudest
   * speakers are heard. Consumers that are gone are answered in `missing`, not refused.
   */
  op('consumer.setViewState', {
    ...participant,
    consumers: z
      .array(
        z
          .object({
            consumerId: MediaObjectId,
            paused: z.boolean(),
            spatialLayer: z.number().int().min(0).max(3).optional(),
          })
          .strict(),
      )
      .min(1)
      .max(500),
  }),
  op('dataProducer.create', {
    ...participant,
    transportId: MediaObjectId,
    sctpStreamParameters: SctpStreamParameters,
    label: z.string().max(128).default(''),
    protocol: z.string().max(128).default(''),
  }),
  op('dataProducer.close', { ...participant, dataProducerId: MediaObjectId }),
  op('dataConsumer.create', {
    ...participant,
    transportId: MediaObjectId,
    dataProducerId: MediaObjectId,
  }),
  op('dataConsumer.close', { ...participant, dataConsumerId: MediaObjectId }),
  op('participant.remove', { ...participant }),
  /**
   * `consumerStats`: each consumer's RTP counters too (`packetsSent`, `bytesSent`; one stats
   * call per consumer, for tests and operators, not for a periodic poll).
   */
  op('room.dump', { ...room, consumerStats: z.boolean().optional() }),
  op('node.dump', {}),
  // Cascade: one pipe transport pair per room per node pair, driven by the orchestrator.
  op('pipe.create', { ...room, peerNodeId: NodeId }),
  op('pipe.connect', {
    ...room,
    peerNodeId: NodeId,
    ip: IpAddress,
    port: z.number().int().min(1).max(65_535),
    srtpParameters: SrtpParameters,
  }),
  op('pipe.produceOut', { ...room, peerNodeId: NodeId, producerId: MediaObjectId }),
  op('pipe.produceIn', {
    ...room,
    peerNodeId: NodeId,
    producerId: MediaObjectId,
    participantId: ParticipantId,
    kind: MediaKind,
    source: MediaSource,
    rtpParameters: RtpParameters,
    paused: z.boolean(),
  }),
  op('pipe.closeProducer', { ...room, peerNodeId: NodeId, producerId: MediaObjectId }),
  /** Mirrors a pause or resume of the original producer onto its piped copy on this node. */
  op('pipe.setProducerPaused', {
    ...room,
    peerNodeId: NodeId,
    producerId: MediaObjectId,
    paused: z.boolean(),
  }),
  op('pipe.close', { ...room, peerNodeId: NodeId }),
]);
export type SfuControlRequest = z.input<typeof SfuControlRequest>;
export type SfuControlOp = SfuControlRequest['op'];
export type SfuControlRequestOf<O extends SfuControlOp> = Extract<
  z.output<typeof SfuControlRequest>,
  { op: O }
>;

const Empty = z.object({});

const WebRtcTransportInfo = z.object({
  transportId: MediaObjectId,
  workerIndex: z.number().int(),
  iceParameters: IceParameters,
  iceCandidates: z.array(IceCandidate),
  dtlsParameters: DtlsParameters,
  sctpParameters: SctpParameters.optional(),
});

const PlainTransportInfo = z.object({
  transportId: MediaObjectId,
  workerIndex: z.number().int(),
  ip: z.string(),
  port: z.number().int(),
  rtcpPort: z.number().int().optional(),
  srtpParameters: SrtpParameters.optional(),
});

const ConsumerInfo = z.object({
  consumerId: MediaObjectId,
  producerId: MediaObjectId,
  kind: MediaKind,
  rtpParameters: RtpParameters,
  type: z.enum(['simple', 'simulcast', 'svc', 'pipe']),
  producerPaused: z.boolean(),
  /** Whether it starts paused (see `consumer.create`'s `paused`). */
  paused: z.boolean(),
});

export const PipeEnd = z.object({
  ip: z.string(),
  port: z.number().int(),
  srtpParameters: SrtpParameters,
});

export const PipedProducer = z.object({
  producerId: MediaObjectId,
  participantId: ParticipantId,
  kind: MediaKind,
  source: MediaSource,
  rtpParameters: RtpParameters,
  paused: z.boolean(),
});
export type PipedProducer = z.infer<typeof PipedProducer>;

export const SfuControlResults = {
  'router.capabilities': z.object({ rtpCapabilities: RtpCapabilities }),
  'transport.createWebRtc': WebRtcTransportInfo,
  'transport.createPlain': PlainTransportInfo,
  'transport.connect': Empty,
  'transport.connectPlain': Empty,
  'transport.restartIce': z.object({ iceParameters: IceParameters }),
  'transport.setMaxIncomingBitrate': Empty,
  'transport.close': Empty,
  'producer.create': z.object({ producerId: MediaObjectId }),
  'producer.pause': Empty,
  'producer.resume': Empty,
  'producer.close': Empty,
  'consumer.create': ConsumerInfo,
  'consumer.resume': Empty,
  'consumer.pause': Empty,
  'consumer.close': Empty,
  'consumer.setPreferredLayers': Empty,
  'consumer.setPriority': Empty,
  'consumer.requestKeyFrame': Empty,
  'consumer.setViewState': z.object({ missing: z.array(MediaObjectId) }),
  'dataProducer.create': z.object({ dataProducerId: MediaObjectId }),
  'dataProducer.close': Empty,
  'dataConsumer.create': z.object({
    dataConsumerId: MediaObjectId,
    dataProducerId: MediaObjectId,
    sctpStreamParameters: SctpStreamParameters,
    label: z.string(),
    protocol: z.string(),
  }),
  'dataConsumer.close': Empty,
  'participant.remove': Empty,
  'room.dump': SfuRoomDump,
  'node.dump': SfuNodeDump,
  'pipe.create': PipeEnd.extend({ transportId: MediaObjectId }),
  'pipe.connect': Empty,
  'pipe.produceOut': PipedProducer,
  'pipe.produceIn': z.object({ producerId: MediaObjectId }),
  'pipe.closeProducer': Empty,
  'pipe.setProducerPaused': Empty,
  'pipe.close': Empty,
} as const satisfies Record<SfuControlOp, z.ZodType>;

export type SfuControlResult<O extends SfuControlOp> = z.infer<(typeof SfuControlResults)[O]>;

/** Admin requests of one node, on `subjects.sfuNodeAdmin(nodeId)`. */
export const SfuAdminRequest = z.discriminatedUnion('op', [
  z.object({ op: z.literal('drain') }).strict(),
  z.object({ op: z.literal('undrain') }).strict(),
  z.object({ op: z.literal('status') }).strict(),
]);
export type SfuAdminRequest = z.infer<typeof SfuAdminRequest>;

export const SfuAdminResult = z.object({
  state: z.enum(['starting', 'serving', 'draining']),
  rooms: z.number().int().nonnegative(),
  participants: z.number().int().nonnegative(),
});
export type SfuAdminResult = z.infer<typeof SfuAdminResult>;
