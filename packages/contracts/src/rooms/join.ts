import { z } from 'zod';

import { ParticipantId, RoomId, TenantId, UserId } from '../ids';
import { Timestamp } from './common';
import { RoomRole, RoomVisibility } from './rooms';

/**
 * Request on `subjects.roomsAuthorizeJoin()`: may this user take a place in this room as this
 * participant? On success a seat is held for the participant until its `participant.joined`
 * activity event arrives (or the hold expires). Asking again for the same participant is
 * answered the same way without taking a second seat.
 *
 * Errors: `NOT_FOUND` (no such room in the tenant, or closed), `FORBIDDEN` (private room without
 * membership or invitation, or banned), `ROOM_FULL`, `INVALID_ARGUMENT`.
 */
export const AuthorizeJoinRequest = z
  .object({
    tenantId: TenantId,
    roomId: RoomId,
    userId: UserId,
    participantId: ParticipantId,
  })
  .strict();
export type AuthorizeJoinRequest = z.infer<typeof AuthorizeJoinRequest>;

export const AuthorizeJoinResult = z.object({
  tenantId: TenantId,
  roomId: RoomId,
  participantId: ParticipantId,
  title: z.string(),
  visibility: RoomVisibility,
  capacity: z.number().int(),
  /** Places taken, this one included (participants present plus seats held). */
  occupied: z.number().int().nonnegative(),
  /** The user's role in the room, or null for a guest of a public room or an invitee. */
  role: RoomRole.nullable(),
  /** When the held seat is released unless the participant has joined by then. */
  seatHeldUntil: Timestamp,
});
export type AuthorizeJoinResult = z.infer<typeof AuthorizeJoinResult>;
