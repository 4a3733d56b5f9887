import { z } from 'zod';

import { SfuNodeState } from './heartbeat';
import { MediaObjectId, NodeId, ParticipantId, RoomId, TenantId } from './ids';
import { MediaKind, MediaSource } from './sfu/media-types';

const WorkerIndex = z.number().int().nonnegative();

/** One participant of a room on a node, with its media objects there. */
export const SfuRoomDumpParticipant = z.object({
  participantId: ParticipantId,
  workerIndex: WorkerIndex,
  transports: z.array(z.object({ id: MediaObjectId, type: z.string() })),
  producers: z.array(
    z.object({
      id: MediaObjectId,
      kind: MediaKind,
      paused: z.boolean(),
      appData: z.record(z.string(), z.unknown()),
    }),
  ),
  consumers: z.array(
    z.object({
      id: MediaObjectId,
      producerId: MediaObjectId,
      kind: MediaKind,
      paused: z.boolean(),
      /** Paused by the participant's view (`consumer.setViewState`), apart from its own pause. */
      viewPaused: z.boolean().optional(),
      /** The preferred spatial layer last set, if any. */
      preferredSpatialLayer: z.number().int().optional(),
      /** RTP packets and bytes the consumer sent so far (only when the dump asked for stats). */
      packetsSent: z.number().int().nonnegative().optional(),
      bytesSent: z.number().int().nonnegative().optional(),
    }),
  ),
  dataProducers: z.array(MediaObjectId),
  dataConsumers: z.array(MediaObjectId),
});
export type SfuRoomDumpParticipant = z.infer<typeof SfuRoomDumpParticipant>;

/** A producer the room has on the node: published there, or piped in from `fromNodeId`. */
export const SfuRoomDumpProducer = z.object({
  producerId: MediaObjectId,
  participantId: ParticipantId,
  kind: MediaKind,
  source: MediaSource,
  workerIndex: WorkerIndex,
  paused: z.boolean(),
  fromNodeId: NodeId.optional(),
});
export type SfuRoomDumpProducer = z.infer<typeof SfuRoomDumpProducer>;

/** The room's pipe to another node: its transport and the producers piped each way. */
export const SfuRoomDumpPipe = z.object({
  peerNodeId: NodeId,
  workerIndex: WorkerIndex.optional(),
  transportId: MediaObjectId.optional(),
  connected: z.boolean(),
  outbound: z.array(MediaObjectId),
  inbound: z.array(MediaObjectId),
});
export type SfuRoomDumpPipe = z.infer<typeof SfuRoomDumpPipe>;

/**
 * What an SFU node answers to `room.dump` (`<prefix>.sfu.node.<node>`): everything one room has
 * on that node. Read by the orchestrator when it reconciles a room, by `cascade-admin room
 * --node`, and by tests.
 */
export const SfuRoomDump = z.object({
  tenantId: TenantId,
  roomId: RoomId,
  /** Workers the room has a router on. */
  workers: z.array(WorkerIndex),
  participants: z.array(SfuRoomDumpParticipant),
  producers: z.array(SfuRoomDumpProducer),
  pipes: z.array(SfuRoomDumpPipe),
});
export type SfuRoomDump = z.infer<typeof SfuRoomDump>;

/**
 * What an SFU node answers to `node.dump`: its state, workers, and a line per room it holds.
 * Read by the orchestrator when a node it declared lost comes back (which rooms it kept), and
 * by tests.
 */
export const SfuNodeDump = z.object({
  nodeId: NodeId,
  state: SfuNodeState,
  workers: z.array(
    z.object({ index: WorkerIndex, pid: z.number().int(), webRtcServerId: z.string() }),
  ),
  rooms: z.array(
    z.object({
      tenantId: TenantId,
      roomId: RoomId,
      participants: z.number().int().nonnegative(),
      producers: z.number().int().nonnegative(),
      /** The peer node of each of its pipes. */
      pipes: z.array(NodeId),
    }),
  ),
});
export type SfuNodeDump = z.infer<typeof SfuNodeDump>;
