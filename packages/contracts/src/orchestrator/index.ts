import { z } from 'zod';

import { MediaObjectId, NodeId, ParticipantId, Region, RoomId, TenantId, UserId } from '../ids';
import { SfuRoomEvent } from '../sfu/events';
import { MediaKind, MediaSource, RtpCapabilities } from '../sfu/media-types';
import { SfuNodeState } from '../heartbeat';
import { replySchema } from '../reply';
import { ParticipantRole } from '../tokens';

/**
 * The orchestrator's API. The gateway asks it where a participant's media lives
 * (`participant.join`), makes a producer available on a participant's node before consuming it
 * (`consumer.prepare`), and says when a participant leaves. Everything else a participant does
 * (transports, producing, consuming, pausing) goes from the gateway straight to the participant's
 * node, whose id the join answered: one NATS hop, not two.
 *
 * Requests travel on `subjects.orchestratorRequests()`; replies are `Reply<OrchestratorResults[op]>`.
 */

/** Largest orchestrator request, in bytes of JSON. */
export const ORCHESTRATOR_MAX_BYTES = 16 * 1024;

const room = { tenantId: TenantId, roomId: RoomId };
const participant = { ...room, participantId: ParticipantId };

const op = <O extends string, S extends z.ZodRawShape>(name: O, shape: S) =>
  z.object({ op: z.literal(name), ...shape }).strict();

export const OrchestratorRequest = z.discriminatedUnion('op', [
  op('participant.join', {
    ...participant,
    userId: UserId.optional(),
    /** Where the participant is (from the gateway's region or the client's hint). */
    region: Region.optional(),
    /**
     * How the participant is in the room (its token's grants): a `viewer` publishes nothing, so
     * placement reserves only what it receives. Absent (a sender from before roles, or a
     * speaker's join) is a speaker: the larger cost, never an underestimate.
     */
    role: ParticipantRole.optional(),
  }),
  op('participant.leave', { ...participant }),
  /** Makes `producerId` consumable on the participant's node (piping it there if needed). */
  op('consumer.prepare', { ...participant, producerId: MediaObjectId }),
  /** Where a participant's media lives, for routing its transport operations. */
  op('participant.locate', { ...participant }),
]);
export type OrchestratorRequest = z.input<typeof OrchestratorRequest>;
export type OrchestratorOp = OrchestratorRequest['op'];
export type OrchestratorRequestOf<O extends OrchestratorOp> = Extract<
  z.output<typeof OrchestratorRequest>,
  { op: O }
>;

export const RoomProducerView = z.object({
  producerId: MediaObjectId,
  participantId: ParticipantId,
  /** The node the producer was published on. */
  nodeId: NodeId,
  kind: MediaKind,
  source: MediaSource,
  paused: z.boolean(),
});
export type RoomProducerView = z.infer<typeof RoomProducerView>;

export const ParticipantPlacement = z.object({
  participantId: ParticipantId,
  userId: UserId.optional(),
  nodeId: NodeId,
  workerIndex: z.number().int().nonnegative(),
  joinedAt: z.number().int().positive(),
  /**
   * Set for a viewer (see {@link ParticipantRole}), which placement costs as a receiver only;
   * absent for a speaker, as in placements stored before roles existed.
   */
  role: ParticipantRole.optional(),
});
export type ParticipantPlacement = z.infer<typeof ParticipantPlacement>;

export const OrchestratorResults = {
  'participant.join': z.object({
    nodeId: NodeId,
    workerIndex: z.number().int().nonnegative(),
    /** The node's router capabilities for the room: what the client loads its Device with. */
    rtpCapabilities: RtpCapabilities,
    /**
     * The room's speakers already there (viewers are not listed: a webinar's thousands would
     * make every join's answer grow with them), and what they publish.
     */
    participants: z.array(ParticipantPlacement),
    producers: z.array(RoomProducerView),
    /** True when the participant was already placed (a repeated join keeps its node if alive). */
    rejoined: z.boolean(),
  }),
  'participant.leave': z.object({}),
  'consumer.prepare': z.object({
    nodeId: NodeId,
    /** True when the producer lives on another node and reaches this one through a pipe. */
    piped: z.boolean(),
  }),
  'participant.locate': ParticipantPlacement,
} as const satisfies Record<OrchestratorOp, z.ZodType>;
export type OrchestratorResult<O extends OrchestratorOp> = z.infer<(typeof OrchestratorResults)[O]>;

/**
 * Events the orchestrator publishes on `subjects.roomEvents(tenant, room)`, for the gateway to
 * deliver to the participants concerned.
 */
export const OrchestratorRoomEvent = z.discriminatedUnion('type', [
  z.object({
    type: z.literal('participant.reconnectRequired'),
    ...participant,
    /** Why the participant's media is gone: its node died or stopped, or its worker died. */
    reason: z.enum(['node-lost', 'worker-lost']),
    /** The node that was lost. */
    nodeId: NodeId,
    at: z.number().int().positive(),
  }),
]);
export type OrchestratorRoomEvent = z.infer<typeof OrchestratorRoomEvent>;

// ---------------------------------------------------------------------------------------------
// Admin API, on `subjects.orchestratorAdmin()` (operators, through the `cascade-admin` CLI).

export const OrchestratorAdminRequest = z.discriminatedUnion('op', [
  op('nodes.list', {}),
  op('rooms.list', { tenantId: TenantId.optional() }),
  op('room.get', { ...room }),
  op('node.drain', { nodeId: NodeId }),
  op('node.undrain', { nodeId: NodeId }),
]);
export type OrchestratorAdminRequest = z.input<typeof OrchestratorAdminRequest>;
export type OrchestratorAdminOp = OrchestratorAdminRequest['op'];

/** How the orchestrator sees a node: its last heartbeat's load and what it has placed there. */
export const NodeView = z.object({
  nodeId: NodeId,
  region: Region,
  /** `stale`: no recent heartbeat, nothing is placed there; `dead` nodes are dropped. */
  state: z.union([SfuNodeState, z.literal('stale')]),
  /** Heartbeat age in milliseconds. */
  ageMs: z.number().int().nonnegative(),
  /** Composite load 0..1+ (the largest of CPU, streams and outgoing bandwidth). */
  load: z.number().nonnegative(),
  cpu: z.number().nonnegative(),
  streams: z.number().int().nonnegative(),
  maxStreams: z.number().int().positive(),
  bitrateOutBps: z.number().nonnegative(),
  workers: z.number().int().nonnegative(),
  /** Placements counted against the node since its last heartbeat. */
  reservations: z.number().int().nonnegative(),
  rooms: z.number().int().nonnegative(),
  participants: z.number().int().nonnegative(),
});
export type NodeView = z.infer<typeof NodeView>;

export const PipeView = z.object({
  nodes: z.tuple([NodeId, NodeId]),
  /** Producers piped across the pair, each with its direction and the consumers that need it. */
  producers: z.array(
    z.object({
      producerId: MediaObjectId,
      from: NodeId,
      to: NodeId,
      consumers: z.number().int().nonnegative(),
    }),
  ),
});

export const RoomView = z.object({
  tenantId: TenantId,
  roomId: RoomId,
  participants: z.array(ParticipantPlacement),
  producers: z.array(RoomProducerView),
  pipes: z.array(PipeView),
});
export type RoomView = z.infer<typeof RoomView>;

export const OrchestratorAdminResults = {
  'nodes.list': z.object({ nodes: z.array(NodeView) }),
  'rooms.list': z.object({ rooms: z.array(RoomView) }),
  'room.get': RoomView,
  'node.drain': NodeView,
  'node.undrain': NodeView,
} as const satisfies Record<OrchestratorAdminOp, z.ZodType>;
export type OrchestratorAdminResult<O extends OrchestratorAdminOp> = z.infer<
  (typeof OrchestratorAdminResults)[O]
>;

// ---------------------------------------------------------------------------------------------
// Between orchestrator replicas: one replica leads each room (a lease in Redis); a replica that
// receives work for a room another leads forwards it on `subjects.orchestratorInstance(leader)`.

export const RoomWork = z.discriminatedUnion('work', [
  z.object({ work: z.literal('request'), request: OrchestratorRequest }),
  /** A node's room event; forwarded work is checked here, so a bad one is INVALID_ARGUMENT. */
  z.object({ work: z.literal('room-event'), event: SfuRoomEvent }),
  z.object({ work: z.literal('node-lost'), nodeId: NodeId }),
  /**
   * A node declared lost is heard again (its NATS came back, its process lived on): what it
   * kept of the room that the room no longer places there is closed on it.
   */
  z.object({ work: z.literal('node-returned'), nodeId: NodeId }),
  z.object({
    work: z.literal('participants-lost'),
    nodeId: NodeId,
    participantIds: z.array(ParticipantId).max(10_000),
  }),
  z.object({ work: z.literal('reconcile') }),
  z.object({ work: z.literal('sweep') }),
]);
export type RoomWork = z.infer<typeof RoomWork>;

export const ForwardedRoomWork = z.object({ ...room, item: RoomWork }).strict();
export type ForwardedRoomWork = z.infer<typeof ForwardedRoomWork>;

/**
 * The leader's reply to forwarded work: a request's result (checked by whoever asked, against
 * `OrchestratorResults`), or no `data` at all for work that has no result (a room event, a
 * sweep, a reconcile, a lost node or its participants): JSON has no `undefined`, so that work's
 * `okReply` arrives as `{ ok: true }`. A schema requiring `data` refused every such reply as
 * `INVALID_ARGUMENT` on the forwarding replica, which logged `invalid forwarded reply` for work
 * the leader had done.
 */
export const ForwardedRoomReply = replySchema(z.unknown().optional());
