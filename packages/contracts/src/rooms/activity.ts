import { z } from 'zod';

import { ParticipantId, RoomId, TenantId, UserId } from '../ids';
import { Timestamp } from './common';

/** The longest chat message (`chat.send`, `ChatStoreRequest`). */
export const CHAT_MESSAGE_MAX_LENGTH = 2_000;

const base = {
  tenantId: TenantId,
  roomId: RoomId,
  userId: UserId,
  participantId: ParticipantId,
  at: Timestamp,
};

export const ParticipantJoinedEvent = z
  .object({ type: z.literal('participant.joined'), ...base })
  .strict();

export const ParticipantLeftReason = z.enum([
  'left',
  'disconnected',
  'kicked',
  'banned',
  'room_closed',
  'failed',
  /** Its join token expired (not refreshed in time). */
  'session_expired',
  /** The credential behind its join token (user, API key, sign-in session) was revoked. */
  'revoked',
]);
export type ParticipantLeftReason = z.infer<typeof ParticipantLeftReason>;

export const ParticipantLeftEvent = z
  .object({ type: z.literal('participant.left'), ...base, reason: ParticipantLeftReason })
  .strict();

/**
 * What happens in a room on the signaling path, published on `subjects.roomActivity(tenant,
 * room)` by the gateway and consumed by the rooms service (queue group `rooms`) for presence.
 * Delivery may repeat an event: consumers are idempotent. Chat messages are not activity: the
 * gateway has the rooms service store each one (`ChatStoreRequest`) before anyone sees it.
 */
export const RoomActivityEvent = z.discriminatedUnion('type', [
  ParticipantJoinedEvent,
  ParticipantLeftEvent,
]);
export type RoomActivityEvent = z.infer<typeof RoomActivityEvent>;
export type ParticipantJoinedEvent = z.infer<typeof ParticipantJoinedEvent>;
export type ParticipantLeftEvent = z.infer<typeof ParticipantLeftEvent>;
