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
