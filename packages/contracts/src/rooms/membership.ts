import { z } from 'zod';

import { RoomId, UserId } from '../ids';
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
