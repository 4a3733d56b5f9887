import { z } from 'zod';

import { Identifier, RoomId, TenantId, UserId } from './ids';

/** When a credential was revoked: milliseconds since the epoch. */
const RevokedAt = z.number().int().positive();

/**
 * A credential was revoked in identity: every live session it opened must end now, and every
 * join token minted from it before `revokedAt` is refused. Published on
 * `subjects.credentialRevocations(tenantId)` by identity; **every** gateway instance subscribes
 * (no queue group: each one ends the sessions whose sockets it holds). Delivery may repeat an
 * event: consumers are idempotent.
 *
 * - `api-key`: the tenant's API key `apiKeyId` (join tokens it minted carry it as `akid`);
 * - `sign-in-session`: a user's sign-in session, a refresh token family (join tokens minted with
 *   its access tokens carry it as `sid`; user connections opened with them name it too);
 * - `user`: everything of the user `userId`.
 */
export const CredentialRevokedEvent = z.discriminatedUnion('type', [
  z
    .object({
      type: z.literal('api-key'),
      tenantId: TenantId,
      apiKeyId: Identifier,
      revokedAt: RevokedAt,
    })
    .strict(),
  z
    .object({
      type: z.literal('sign-in-session'),
      tenantId: TenantId,
      sessionId: Identifier,
      revokedAt: RevokedAt,
    })
    .strict(),
  z
    .object({ type: z.literal('user'), tenantId: TenantId, userId: UserId, revokedAt: RevokedAt })
    .strict(),
]);
export type CredentialRevokedEvent = z.infer<typeof CredentialRevokedEvent>;

/**
 * A room's moderation removed people from it: their live sessions end now (told why, media
 * closed, resume refused). Published on `subjects.roomRemovals(tenantId, roomId)` by the rooms
 * service after the change is in its database; taken by one gateway instance (queue group),
 * which ends the sessions wherever their sockets are. Repeats are harmless.
 *
 * - `user.banned`: `userId` was banned from the room;
 * - `member.removed`: `userId`'s membership was removed;
 * - `room.closed`: the room was closed, everyone goes.
 */
export const RoomRemovalEvent = z.discriminatedUnion('type', [
  z
    .object({ type: z.literal('user.banned'), tenantId: TenantId, roomId: RoomId, userId: UserId })
    .strict(),
  z
    .object({
      type: z.literal('member.removed'),
      tenantId: TenantId,
      roomId: RoomId,
      userId: UserId,
    })
    .strict(),
  z.object({ type: z.literal('room.closed'), tenantId: TenantId, roomId: RoomId }).strict(),
]);
export type RoomRemovalEvent = z.infer<typeof RoomRemovalEvent>;
