import { z } from 'zod';

import { MediaObjectId, NodeId, ParticipantId, RoomId, TenantId } from '../ids';
import { MediaKind, MediaSource } from './media-types';

/**
 * Events an SFU node publishes. Room events go to `subjects.sfuRoomEvents(node, tenant, room)`;
 * node events to `subjects.sfuNodeEvents(node)`. Each carries where and when it happened.
 */
const base = { nodeId: NodeId, at: z.number().int().positive() };
const inRoom = { ...base, tenantId: TenantId, roomId: RoomId };
const ofParticipant = { ...inRoom, participantId: ParticipantId };

const ev = <T extends string, S extends z.ZodRawShape>(type: T, shape: S) =>
  z.object({ type: z.literal(type), ...shape });

export const SfuRoomEvent = z.discriminatedUnion('type', [
  ev('producer.created', {
    ...ofParticipant,
    producerId: MediaObjectId,
    kind: MediaKind,
    source: MediaSource,
    piped: z.boolean(),
    /** Created paused (a muted microphone, say); later changes arrive as paused/resumed. */
    paused: z.boolean().default(false),
  }),
  ev('producer.closed', {
    ...ofParticipant,
    producerId: MediaObjectId,
    reason: z.enum([
      'closed',
      'transport-closed',
      'participant-removed',
      'worker-died',
      'pipe-closed',
    ]),
  }),
  ev('producer.paused', { ...ofParticipant, producerId: MediaObjectId }),
  ev('producer.resumed', { ...ofParticipant, producerId: MediaObjectId }),
  ev('producer.score', {
    ...ofParticipant,
    producerId: MediaObjectId,
    score: z.number().int().min(0).max(10),
  }),
  ev('consumer.closed', {
    ...ofParticipant,
    consumerId: MediaObjectId,
    producerId: MediaObjectId,
    reason: z.enum(['producer-closed', 'transport-closed', 'closed']),
  }),
  ev('consumer.producerPaused', {
    ...ofParticipant,
    consumerId: MediaObjectId,
    producerId: MediaObjectId,
  }),
  ev('consumer.producerResumed', {
    ...ofParticipant,
    consumerId: MediaObjectId,
    producerId: MediaObjectId,
  }),
  ev('consumer.layersChanged', {
    ...ofParticipant,
    consumerId: MediaObjectId,
    layers: z
      .object({ spatialLayer: z.number().int(), temporalLayer: z.number().int().optional() })
      .nullable(),
  }),
  ev('consumer.score', {
    ...ofParticipant,
    consumerId: MediaObjectId,
    score: z.number().int(),
    producerScore: z.number().int(),
  }),
  ev('transport.closed', {
    ...ofParticipant,
    transportId: MediaObjectId,
    reason: z.enum(['closed', 'dtls-failed', 'dtls-closed', 'ice-disconnected']),
  }),
  ev('room.activeSpeaker', { ...inRoom, participantId: ParticipantId, producerId: MediaObjectId }),
  ev('room.audioLevels', {
    ...inRoom,
    levels: z.array(
      z.object({ participantId: ParticipantId, producerId: MediaObjectId, volume: z.number() }),
    ),
  }),
  ev('room.silence', { ...inRoom }),
  ev('room.closed', { ...inRoom }),
]);
export type SfuRoomEvent = z.infer<typeof SfuRoomEvent>;

export const SfuNodeEvent = z.discriminatedUnion('type', [
  ev('worker.died', {
    ...base,
    workerIndex: z.number().int(),
    replaced: z.boolean(),
    lost: z.array(
      z.object({ tenantId: TenantId, roomId: RoomId, participantIds: z.array(ParticipantId) }),
    ),
  }),
  ev('node.state', {
    ...base,
    state: z.enum(['starting', 'serving', 'draining']),
    rooms: z.number().int().nonnegative(),
    participants: z.number().int().nonnegative(),
  }),
]);
export type SfuNodeEvent = z.infer<typeof SfuNodeEvent>;
