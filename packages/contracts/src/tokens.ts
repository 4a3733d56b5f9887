import { z } from 'zod';

import { Identifier, RoomId, TenantId, UserId } from './ids';

/** What a join token lets its holder do in one room. */
export const RoomGrants = z
  .object({
    room: RoomId,
    join: z.boolean(),
    publish: z.boolean(),
    subscribe: z.boolean(),
    admin: z.boolean(),
  })
  .strict();
export type RoomGrants = z.infer<typeof RoomGrants>;

/**
 * How a participant is in a room. A `speaker` is a tile: it is in the roster everyone sees and
 * may publish. A `viewer` (a webinar's audience) joined with a token that grants `subscribe`
 * but not `publish`: it receives the speakers, publishes nothing, is not in the roster (the
 * room shows only how many viewers it has), and takes a place of the room's `viewerCapacity`
 * rather than of its `capacity`.
 */
export const ParticipantRole = z.enum(['speaker', 'viewer']);
export type ParticipantRole = z.infer<typeof ParticipantRole>;

/** A token with `subscribe` and without `publish` joins as a viewer; any other as a speaker. */
export function participantRoleOf(
  grants: Pick<RoomGrants, 'publish' | 'subscribe'>,
): ParticipantRole {
  return grants.subscribe && !grants.publish ? 'viewer' : 'speaker';
}

/** Longest lifetime a join token may have: they are short-lived by design. */
export const JOIN_TOKEN_MAX_TTL_SECONDS = 24 * 60 * 60;

/**
 * Claims of a join token (a JWT minted by identity for a user, or by a tenant's backend through
 * an API key). `sub` is the user, `tenant` scopes everything the token can reach.
 */
export const JoinTokenClaims = z
  .object({
    iss: z.string().min(1),
    aud: z.string().min(1),
    sub: UserId,
    tenant: TenantId,
    name: z.string().trim().min(1).max(100).optional(),
    grants: RoomGrants,
    iat: z.number().int().nonnegative(),
    exp: z.number().int().positive(),
    jti: z.string().min(1).max(128).optional(),
    /**
     * The API key that minted the token (a tenant's backend): revoking the key ends the
     * sessions it opened. Absent from tokens minted before it existed.
     */
    akid: Identifier.optional(),
    /**
     * The sign-in session (refresh token family) whose access token minted the token (a user
     * minting for itself): ending that session ends the sessions it opened.
     */
    sid: Identifier.optional(),
  })
  .refine((claims) => claims.exp > claims.iat, {
    message: 'exp must be after iat',
    path: ['exp'],
  })
  .refine((claims) => claims.exp - claims.iat <= JOIN_TOKEN_MAX_TTL_SECONDS, {
    message: `a join token may live at most ${JOIN_TOKEN_MAX_TTL_SECONDS} seconds`,
    path: ['exp'],
  });
export type JoinTokenClaims = z.infer<typeof JoinTokenClaims>;

/** Roles of a user within its tenant: an `admin` manages the tenant's API keys. */
export const UserRole = z.enum(['member', 'admin']);
export type UserRole = z.infer<typeof UserRole>;

/**
 * Claims of an access token (a JWT minted by identity at sign-in and refresh, about 15 minutes):
 * `sub` is the user, `tenant` scopes everything it can reach, `sid` is the session (refresh token
 * family) it belongs to.
 */
export const AccessTokenClaims = z
  .object({
    iss: z.string().min(1),
    aud: z.string().min(1),
    sub: UserId,
    tenant: TenantId,
    sid: Identifier,
    jti: z.string().min(1).max(128),
    role: UserRole.optional(),
    iat: z.number().int().nonnegative(),
    exp: z.number().int().positive(),
  })
  .refine((claims) => claims.exp > claims.iat, {
    message: 'exp must be after iat',
    path: ['exp'],
  });
export type AccessTokenClaims = z.infer<typeof AccessTokenClaims>;
