import { z } from 'zod';

import { Identifier, RoomId, TenantId, UserId } from '../ids';
import { LanguageTag } from '../rooms/common';
import { replySchema } from '../reply';
import { JOIN_TOKEN_MAX_TTL_SECONDS, RoomGrants, UserRole } from '../tokens';

/**
 * The identity service's HTTP API (sign-in, sessions, tenants, API keys, profiles, friends) and
 * its NATS friendship query. Requests are strict: an unknown field is an error.
 */

const Timestamp = z.string().datetime();

// ── Tenants ────────────────────────────────────────────────────────────────────────────────

export const TenantSlug = z
  .string()
  .min(2)
  .max(40)
  .regex(
    /^[a-z0-9](?:[a-z0-9-]*[a-z0-9])?$/,
    'must be lower-case letters, digits and "-", starting and ending with a letter or digit',
  );

/** A browser origin: scheme, host and optional port, nothing else (`https://app.example.com`). */
export const Origin = z
  .string()
  .max(200)
  .refine(
    (value) => {
      try {
        const url = new URL(value);
        return (url.protocol === 'https:' || url.protocol === 'http:') && url.origin === value;
      } catch {
        return false;
      }
    },
    { message: 'must be an origin such as https://app.example.com (no path, no trailing slash)' },
  );

export const TENANT_MAX_ROOM_CAPACITY_LIMIT = 1_000;
export const TENANT_DEFAULT_MAX_ROOM_CAPACITY = 100;
/** The longest chat retention a tenant may choose (days). */
export const TENANT_MAX_CHAT_RETENTION_DAYS = 36_500;

export const TenantSettings = z
  .object({
    /** The largest capacity a room of this tenant may have. */
    maxRoomCapacity: z.number().int().min(2).max(TENANT_MAX_ROOM_CAPACITY_LIMIT),
    /** Browser origins allowed to embed Cascade and to receive sign-in redirects. */
    allowedOrigins: z.array(Origin).max(50),
    /**
     * Days the tenant's chat messages are kept before the rooms service deletes them; `null`:
     * the deployment's default (`ROOMS_CHAT_RETENTION_DAYS`).
     */
    chatRetentionDays: z.number().int().min(1).max(TENANT_MAX_CHAT_RETENTION_DAYS).nullable(),
  })
  .strict();
export type TenantSettings = z.infer<typeof TenantSettings>;

export const TenantName = z.string().trim().min(1).max(100);

export const CreateTenantRequest = z
  .object({
    slug: TenantSlug,
    name: TenantName,
    settings: TenantSettings.partial().strict().optional(),
  })
  .strict();
export type CreateTenantRequest = z.infer<typeof CreateTenantRequest>;

export const UpdateTenantRequest = z
  .object({
    name: TenantName.optional(),
    settings: TenantSettings.partial().strict().optional(),
  })
  .strict()
  .refine((r) => r.name !== undefined || r.settings !== undefined, {
    message: 'nothing to update: give name or settings',
  });
export type UpdateTenantRequest = z.infer<typeof UpdateTenantRequest>;

export const Tenant = z.object({
  id: TenantId,
  slug: TenantSlug,
  name: z.string(),
  settings: TenantSettings,
  createdAt: Timestamp,
});
export type Tenant = z.infer<typeof Tenant>;

/** What anyone may know about a tenant (the sign-in page shows it). */
export const PublicTenant = Tenant.pick({ id: true, slug: true, name: true });
export type PublicTenant = z.infer<typeof PublicTenant>;

export const SetUserRoleRequest = z.object({ role: UserRole }).strict();
export type SetUserRoleRequest = z.infer<typeof SetUserRoleRequest>;

// ── Pagination ─────────────────────────────────────────────────────────────────────────────

export const PAGE_SIZE_DEFAULT = 20;
export const PAGE_SIZE_MAX = 100;

/** Query of every list: an opaque cursor from the previous page and a page size. */
export const PageQuery = z
  .object({
    cursor: z.string().min(1).max(200).optional(),
    limit: z.coerce.number().int().min(1).max(PAGE_SIZE_MAX).default(PAGE_SIZE_DEFAULT),
  })
  .strict();
export type PageQuery = z.infer<typeof PageQuery>;

export function pageOf<T extends z.ZodType>(item: T) {
  return z.object({ items: z.array(item), nextCursor: z.string().nullable() });
}
export interface Page<T> {
  items: T[];
  /** Pass as `cursor` for the next page; `null` on the last page. */
  nextCursor: string | null;
}

// ── Users and profiles ─────────────────────────────────────────────────────────────────────

export const DisplayName = z.string().trim().min(1).max(100);
export const Email = z.string().max(254).pipe(z.email());

/** Where a user's avatar comes from: the Google picture, or one generated from the user id. */
export const AvatarSource = z.enum(['google', 'generated']);
export type AvatarSource = z.infer<typeof AvatarSource>;

export const Profile = z.object({
  id: UserId,
  tenantId: TenantId,
  email: z.string().nullable(),
  displayName: z.string(),
  givenName: z.string().nullable(),
  familyName: z.string().nullable(),
  avatarUrl: z.string(),
  avatarSource: AvatarSource,
  hasGooglePicture: z.boolean(),
  role: UserRole,
  /** Preferred language (BCP 47): preselects the lobby filter and a new room's language. */
  language: z.string().nullable(),
  createdAt: Timestamp,
});
export type Profile = z.infer<typeof Profile>;

/** What other users of the tenant see of someone. */
export const PublicProfile = Profile.pick({ id: true, displayName: true, avatarUrl: true });
export type PublicProfile = z.infer<typeof PublicProfile>;

export const PUBLIC_PROFILES_MAX = 100;

/**
 * `GET /users?ids=u1,u2,…`: the public profiles of up to {@link PUBLIC_PROFILES_MAX} users of
 * the caller's tenant (unknown ids, and users of other tenants, are left out).
 */
export const PublicProfilesQuery = z
  .object({
    ids: z
      .string()
      .max(PUBLIC_PROFILES_MAX * 40)
      .transform((v) => [...new Set(v.split(',').filter((id) => id.length > 0))])
      .pipe(z.array(UserId).min(1).max(PUBLIC_PROFILES_MAX)),
  })
  .strict();
export type PublicProfilesQuery = z.output<typeof PublicProfilesQuery>;

export const PublicProfileList = z.object({ users: z.array(PublicProfile) });
export type PublicProfileList = z.infer<typeof PublicProfileList>;

export const UpdateProfileRequest = z
  .object({
    displayName: DisplayName.optional(),
    avatarSource: AvatarSource.optional(),
    /** A BCP 47 tag (`en`, `pt-BR`), or null to clear it. */
    language: LanguageTag.nullable().optional(),
  })
  .strict()
  .refine(
    (r) => r.displayName !== undefined || r.avatarSource !== undefined || r.language !== undefined,
    { message: 'nothing to update: give displayName, avatarSource or language' },
  );
export type UpdateProfileRequest = z.infer<typeof UpdateProfileRequest>;

// ── Sign-in and sessions ───────────────────────────────────────────────────────────────────

/**
 * How a new or refreshed session's refresh token reaches the client: in the JSON `body` (an
 * app that stores it itself, the SDK in Node), or in an HttpOnly `cookie` (the web app: the
 * cookie is {@link REFRESH_COOKIE_NAME}, SameSite=Lax, Secure outside localhost, scoped to
 * identity's `/auth` path, and the answer is a {@link WebSession} without the token).
 */
export const SessionDelivery = z.enum(['body', 'cookie']);
export type SessionDelivery = z.infer<typeof SessionDelivery>;

/** The HttpOnly cookie that carries a browser session's refresh token. */
export const REFRESH_COOKIE_NAME = 'cascade_refresh';

export const DevSignInRequest = z
  .object({
    tenant: TenantSlug,
    displayName: DisplayName,
    email: Email.optional(),
    delivery: SessionDelivery.default('body'),
  })
  .strict();
export type DevSignInRequest = z.infer<typeof DevSignInRequest>;

/**
 * A same-origin path to send the browser back to after sign-in (`/rooms/abc?x=1`): starts with
 * one `/`, never `//` or `/\` (which a browser would read as another host).
 */
export const ReturnPath = z
  .string()
  .max(2_000)
  .regex(/^\/(?![/\\])[^\s]*$/, 'must be a path on this site, such as /rooms/abc');

/**
 * `GET /auth/google` query: which tenant to sign in to, and where to send the browser back:
 * `returnTo`, an address on one of the tenant's allowed origins, receives the tokens in its
 * fragment (`delivery` `body`); with `delivery` `cookie` the refresh token is set as the cookie
 * and the browser is sent to `returnTo` (an allowed address, or a same-origin path) with no
 * token in the address.
 */
export const GoogleSignInQuery = z
  .object({
    tenant: TenantSlug,
    returnTo: z.union([ReturnPath, z.string().url().max(2_000)]).optional(),
    delivery: SessionDelivery.default('body'),
  })
  .strict();
export type GoogleSignInQuery = z.infer<typeof GoogleSignInQuery>;

export const RefreshToken = z.string().min(1).max(256);

/**
 * `POST /auth/refresh` and `POST /auth/logout`: the refresh token in the body, or, with
 * `delivery` `cookie`, from the {@link REFRESH_COOKIE_NAME} cookie (and a refreshed token goes
 * back into it).
 */
export const RefreshRequest = z
  .object({ refreshToken: RefreshToken.optional(), delivery: SessionDelivery.default('body') })
  .strict()
  .refine((r) => r.delivery === 'cookie' || r.refreshToken !== undefined, {
    message: 'refreshToken is required unless delivery is "cookie"',
    path: ['refreshToken'],
  });
export type RefreshRequest = z.output<typeof RefreshRequest>;

export const LogoutRequest = RefreshRequest;
export type LogoutRequest = RefreshRequest;

/** A new or refreshed session. The refresh token is shown here only and stored hashed. */
export const SessionTokens = z.object({
  tokenType: z.literal('Bearer'),
  accessToken: z.string(),
  /** Seconds until the access token expires. */
  expiresIn: z.number().int().positive(),
  refreshToken: z.string(),
  refreshExpiresIn: z.number().int().positive(),
  user: Profile,
});
export type SessionTokens = z.infer<typeof SessionTokens>;

/** A session delivered to a browser: the refresh token went into the HttpOnly cookie. */
export const WebSession = SessionTokens.omit({ refreshToken: true });
export type WebSession = z.infer<typeof WebSession>;

/**
 * `GET /auth/methods?tenant=slug` (no authentication): how one can sign in to a tenant. Without
 * `tenant`, the deployment's default tenant (`IDENTITY_DEFAULT_TENANT`), or `tenant: null` when
 * there is none.
 */
export const AuthMethodsQuery = z.object({ tenant: TenantSlug.optional() }).strict();
export type AuthMethodsQuery = z.infer<typeof AuthMethodsQuery>;

export const AuthMethods = z.object({
  tenant: PublicTenant.nullable(),
  /** Development sign-in (name and email, no password) is on: never in production. */
  devLogin: z.boolean(),
  google: z.boolean(),
});
export type AuthMethods = z.infer<typeof AuthMethods>;

// ── Friends ────────────────────────────────────────────────────────────────────────────────

export const SendFriendRequest = z.object({ userId: UserId }).strict();
export type SendFriendRequest = z.infer<typeof SendFriendRequest>;

export const FriendRequestDirection = z.enum(['incoming', 'outgoing']);

export const FriendRequestListQuery = PageQuery.extend({
  direction: FriendRequestDirection.default('incoming'),
}).strict();
export type FriendRequestListQuery = z.infer<typeof FriendRequestListQuery>;

export const FriendRequest = z.object({
  id: Identifier,
  from: PublicProfile,
  to: PublicProfile,
  createdAt: Timestamp,
});
export type FriendRequest = z.infer<typeof FriendRequest>;

/**
 * The answer to sending a request: `pending`, or `accepted` when the other user had already
 * asked (the two requests meet and make a friendship).
 */
export const SendFriendRequestResult = z.discriminatedUnion('status', [
  z.object({ status: z.literal('pending'), request: FriendRequest }),
  z.object({ status: z.literal('accepted'), friend: PublicProfile }),
]);
export type SendFriendRequestResult = z.infer<typeof SendFriendRequestResult>;

/** Where a friend is now, from the rooms service; `null` when in no room (or unknown). */
export const FriendRoom = z.object({ roomId: RoomId, title: z.string() });
export type FriendRoom = z.infer<typeof FriendRoom>;

export const Friend = z.object({
  user: PublicProfile,
  since: Timestamp,
  /** `null` also when the friend is in a room I may not join (a private one): see `inCall`. */
  room: FriendRoom.nullable(),
  /** In a call now, whether or not `room` says where. */
  inCall: z.boolean(),
});
export type Friend = z.infer<typeof Friend>;

const friendEvent = <T extends string, S extends z.ZodRawShape>(type: T, shape: S) =>
  z.object({ type: z.literal(type), tenantId: TenantId, userId: UserId, ...shape });

/**
 * Notifications identity publishes on `subjects.userEvents(tenant, user)` for the gateways to
 * deliver to that user (`userId`) when online: a friend request received, one of mine accepted,
 * declined or cancelled, a friendship ended, and a friend's presence changed (the friend
 * entered or left a room: ask `GET /friends` again for where).
 */
export const FriendUserEvent = z.discriminatedUnion('type', [
  friendEvent('friend.requestReceived', { request: FriendRequest }),
  friendEvent('friend.requestAccepted', { friend: PublicProfile }),
  friendEvent('friend.requestDeclined', { requestId: Identifier }),
  friendEvent('friend.requestCancelled', { requestId: Identifier }),
  friendEvent('friend.removed', { friendId: UserId }),
  friendEvent('friend.presenceChanged', { friendId: UserId }),
]);
export type FriendUserEvent = z.infer<typeof FriendUserEvent>;

/** NATS request on `subjects.identityTenantSettings()`: the settings of one tenant. */
export const TenantSettingsQuery = z.object({ tenantId: TenantId }).strict();
export type TenantSettingsQuery = z.infer<typeof TenantSettingsQuery>;
export const TenantSettingsQueryReply = replySchema(TenantSettings);

/** NATS request on `subjects.identityFriendship()`: which of `otherUserIds` are friends of `userId`. */
export const FriendshipQuery = z
  .object({
    tenantId: TenantId,
    userId: UserId,
    otherUserIds: z.array(UserId).max(500),
  })
  .strict();
export type FriendshipQuery = z.infer<typeof FriendshipQuery>;

export const FriendshipQueryResult = z.object({ friends: z.array(UserId) });
export type FriendshipQueryResult = z.infer<typeof FriendshipQueryResult>;
export const FriendshipQueryReply = replySchema(FriendshipQueryResult);

// ── API keys and join tokens ───────────────────────────────────────────────────────────────

export const CreateApiKeyRequest = z.object({ name: z.string().trim().min(1).max(100) }).strict();
export type CreateApiKeyRequest = z.infer<typeof CreateApiKeyRequest>;

export const ApiKey = z.object({
  id: Identifier,
  name: z.string(),
  createdAt: Timestamp,
  lastUsedAt: Timestamp.nullable(),
  revokedAt: Timestamp.nullable(),
});
export type ApiKey = z.infer<typeof ApiKey>;

/** A new key: `key` (`<id>.<secret>`) is shown once, sent as `Authorization: ApiKey <key>`. */
export const CreatedApiKey = ApiKey.extend({ key: z.string() });
export type CreatedApiKey = z.infer<typeof CreatedApiKey>;

export const JOIN_TOKEN_DEFAULT_TTL_SECONDS = 60 * 60;

/**
 * `POST /join-tokens`. With an API key any grants; with a user's access token, `admin` only for a
 * room the user owns or moderates (identity asks rooms: `FORBIDDEN` otherwise, `NODE_UNAVAILABLE`
 * when rooms does not answer).
 */
export const MintJoinTokenRequest = z
  .object({
    /** A user of the tenant (with an access token: the caller itself, or omitted). */
    userId: UserId.optional(),
    grants: RoomGrants,
    ttlSeconds: z
      .number()
      .int()
      .min(60)
      .max(JOIN_TOKEN_MAX_TTL_SECONDS)
      .default(JOIN_TOKEN_DEFAULT_TTL_SECONDS),
  })
  .strict();
export type MintJoinTokenRequest = z.infer<typeof MintJoinTokenRequest>;

export const JoinTokenResponse = z.object({
  token: z.string(),
  expiresAt: Timestamp,
});
export type JoinTokenResponse = z.infer<typeof JoinTokenResponse>;

// ── Keys ───────────────────────────────────────────────────────────────────────────────────

/** `GET /.well-known/jwks.json`: the public keys that verify identity's tokens. */
export const Jwks = z.object({
  keys: z.array(
    z.object({ kty: z.string(), kid: z.string(), alg: z.string(), use: z.literal('sig') }).loose(),
  ),
});
export type Jwks = z.infer<typeof Jwks>;
