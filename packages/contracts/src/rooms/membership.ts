import { z } from 'zod';

import { RoomId, TenantId, UserId } from '../ids';
import { replySchema } from '../reply';
import { Timestamp } from './common';
import { RoomRole } from './rooms';

export const RoomMember = z.object({
  roomId: RoomId,
  userId: UserId,
  role: RoomRole,
  createdAt: Timestamp,
});
export type RoomMember = z.infer<typeof RoomMember>;

export const RoomMemberList = z.object({ members: z.array(RoomMember) });
export type RoomMemberList = z.infer<typeof RoomMemberList>;

/**
 * `PUT /rooms/{roomId}/members/{userId}`: add a member or change a role. Owners grant any role
 * but owner; moderators add members.
 */
export const SetMemberRequest = z.object({ role: RoomRole.exclude(['owner']) }).strict();
export type SetMemberRequest = z.output<typeof SetMemberRequest>;

export const RoomBan = z.object({
  roomId: RoomId,
  userId: UserId,
  bannedBy: UserId,
  reason: z.string().nullable(),
  createdAt: Timestamp,
});
export type RoomBan = z.infer<typeof RoomBan>;

export const RoomBanList = z.object({ bans: z.array(RoomBan) });
export type RoomBanList = z.infer<typeof RoomBanList>;

/** `POST /rooms/{roomId}/bans` (owner or moderator). */
export const CreateBanRequest = z
  .object({ userId: UserId, reason: z.string().trim().min(1).max(500).optional() })
  .strict();
export type CreateBanRequest = z.output<typeof CreateBanRequest>;

/**
 * Request on `subjects.roomsMemberRole()`: what is this user's role in this room? Identity asks
 * it before putting `admin` in a join token a user mints for itself (owners and moderators only).
 * A user without a role, a room that does not exist in the tenant and a closed room all answer
 * `{ role: null }`: nobody moderates what is not there. Errors: `INVALID_ARGUMENT`.
 */
export const MemberRoleRequest = z
  .object({ tenantId: TenantId, roomId: RoomId, userId: UserId })
  .strict();
export type MemberRoleRequest = z.infer<typeof MemberRoleRequest>;

export const MemberRoleResult = z.object({ role: RoomRole.nullable() });
export type MemberRoleResult = z.infer<typeof MemberRoleResult>;
/** The reply on `subjects.roomsMemberRole()`: the result, or the error envelope. */
export const MemberRoleReply = replySchema(MemberRoleResult);

/**
 * Request on `subjects.roomsCallBan()`: a moderator banned a participant from the call (the
 * gateway's `participant.ban`). The rooms service records the ban as `POST /rooms/{id}/bans`
 * would (membership and pending invitations end, joins are refused) and announces
 * `user.banned` (`RoomRemovalEvent`), which puts the user's sessions out of the room.
 * `authority` says how the gateway let the moderator act: `role` (the room's owner or a
 * moderator: the ban follows the role rules with the actor's role now), or `grant` (a join token
 * with `admin`, from the tenant's backend: anyone but the owner may be banned). Errors:
 * `NOT_FOUND` (no such active room), `FORBIDDEN` (the rules refuse), `INVALID_ARGUMENT`.
 */
export const CallBanRequest = z
  .object({
    tenantId: TenantId,
    roomId: RoomId,
    userId: UserId,
    bannedBy: UserId,
    authority: z.enum(['role', 'grant']),
    reason: z.string().trim().min(1).max(500).optional(),
  })
  .strict();
export type CallBanRequest = z.infer<typeof CallBanRequest>;

/** `banned`: false when the user was banned already (nothing changed). */
export const CallBanResult = z.object({ banned: z.boolean() });
export type CallBanResult = z.infer<typeof CallBanResult>;
export const CallBanReply = replySchema(CallBanResult);
