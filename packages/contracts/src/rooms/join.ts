import { z } from 'zod';

import { ParticipantId, RoomId, TenantId, UserId } from '../ids';
import { ParticipantRole } from '../tokens';
import { Timestamp } from './common';
import { RoomRole, RoomVisibility } from './rooms';

/**
 * Request on `subjects.roomsAuthorizeJoin()`: may this user take a place in this room as this
 * participant? On success a seat is held for the participant until its `participant.joined`
 * activity event arrives (or the hold expires). Asking again for the same participant is
 * answered the same way without taking a second seat.
 *
 * A `viewer` takes a place of the room's `viewerCapacity`, a `speaker` one of its `capacity`.
 *
 * Errors: `NOT_FOUND` (no such room in the tenant, or closed), `FORBIDDEN` (private room without
 * membership or invitation, or banned), `ROOM_FULL` (details: {@link RoomFullDetails}),
 * `INVALID_ARGUMENT`.
 */
export const AuthorizeJoinRequest = z
  .object({
    tenantId: TenantId,
    roomId: RoomId,
    userId: UserId,
    participantId: ParticipantId,
    /** Absent from gateways older than webinars: a speaker. */
    participantRole: ParticipantRole.default('speaker'),
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
  viewerCapacity: z.number().int().nonnegative(),
  /** The kind of place granted: `occupied` counts places of that kind. */
  participantRole: ParticipantRole,
  /** Places taken, this one included (participants present plus seats held). */
  occupied: z.number().int().nonnegative(),
  /** The user's role in the room, or null for a guest of a public room or an invitee. */
  role: RoomRole.nullable(),
  /** When the held seat is released unless the participant has joined by then. */
  seatHeldUntil: Timestamp,
});
export type AuthorizeJoinResult = z.infer<typeof AuthorizeJoinResult>;

/** The details of a join's `ROOM_FULL`: which of the room's capacities is used up. */
export const RoomFullDetails = z.object({
  /** `speaker`: the room's `capacity`; `viewer`: its `viewerCapacity`. */
  participantRole: ParticipantRole,
  capacity: z.number().int().nonnegative(),
});
export type RoomFullDetails = z.infer<typeof RoomFullDetails>;
