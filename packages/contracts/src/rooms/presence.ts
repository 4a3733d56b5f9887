import { z } from 'zod';

import { ParticipantId, RoomId, TenantId, UserId } from '../ids';
import { Timestamp } from './common';
import { RoomVisibility } from './rooms';

export const PRESENCE_QUERY_MAX_USERS = 500;

/**
 * Request on `subjects.roomsPresenceQuery()`: which room is each of these users in now, as
 * `viewerId` (who asks: a user whose friends they are) may see it? A room the viewer may not
 * join (a private room they are no member of nor invited to, or one they are banned from) is
 * never named to them; without a viewer, no private room is named.
 */
export const PresenceQueryRequest = z
  .object({
    tenantId: TenantId,
    userIds: z.array(UserId).max(PRESENCE_QUERY_MAX_USERS),
    viewerId: UserId.optional(),
  })
  .strict();
export type PresenceQueryRequest = z.infer<typeof PresenceQueryRequest>;

/** A user in a room the viewer may join: which one. */
export const VisibleUserPresence = z.object({
  userId: UserId,
  roomId: RoomId,
  roomTitle: z.string(),
  roomVisibility: RoomVisibility,
});
export type VisibleUserPresence = z.infer<typeof VisibleUserPresence>;

/** A user in a room the viewer may not join: in a call, nothing about where. */
export const HiddenUserPresence = z.object({ userId: UserId, hidden: z.literal(true) }).strict();
export type HiddenUserPresence = z.infer<typeof HiddenUserPresence>;

/** One entry per user who is in a room (the latest one joined); users in none are left out. */
export const UserPresence = z.union([VisibleUserPresence, HiddenUserPresence]);
export type UserPresence = z.infer<typeof UserPresence>;

export const PresenceQueryResult = z.object({ presence: z.array(UserPresence) });
export type PresenceQueryResult = z.infer<typeof PresenceQueryResult>;

/** A participant in a room now (`GET /rooms/{roomId}/participants`). */
export const RoomParticipant = z.object({
  participantId: ParticipantId,
  userId: UserId,
  joinedAt: Timestamp,
});
export type RoomParticipant = z.infer<typeof RoomParticipant>;

export const RoomParticipantList = z.object({ participants: z.array(RoomParticipant) });
export type RoomParticipantList = z.infer<typeof RoomParticipantList>;
