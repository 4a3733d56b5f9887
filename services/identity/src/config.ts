import { JOIN_TOKEN_MAX_TTL_SECONDS, Origin, TenantSlug } from '@cascade/contracts';
import {
  baseEnv,
  commaList,
  envBoolean,
  natsEnv,
  postgresEnv,
  redisEnv,
  refineRedisEnv,
  trustProxyEnv,
} from '@cascade/server-kit';
import { z } from 'zod';

import { parseSigningKeys } from './keys/signing-keys';

const perMinute = () => z.coerce.number().int().min(1).max(100_000);

const httpUrl = z
  .string()
  .url()
  .refine((v) => /^https?:\/\//.test(v), { message: 'must be an http(s) URL' });

/**
 * Signing keys: a JSON object mapping each key id to its PEM private key (RSA ≥ 2048 bits for
 * RS256, or P-256 for ES256), e.g. `{"2025-01":"-----BEGIN PRIVATE KEY-----\n…"}`. Every key is
 * published in the JWKS; `IDENTITY_ACTIVE_KEY_ID` signs (required when there are several).
 */
const signingKeysEnv = z.string().transform((value, ctx) => {
  try {
    return parseSigningKeys(JSON.parse(value) as unknown);
  } catch (error) {
    ctx.addIssue({
      code: 'custom',
      message: `must be a JSON object of key id → PEM private key (${(error as Error).message})`,
    });
    return z.NEVER;
  }
});

export const IdentityConfigSchema = z
  .object({
    ...baseEnv(3001),
    ...natsEnv,
    ...postgresEnv,
    /** Where the rate limits count, shared by every replica (see the kit's `RateLimiter`). */
    ...redisEnv,
    IDENTITY_SIGNING_KEYS: signingKeysEnv,
    IDENTITY_ACTIVE_KEY_ID: z.string().min(1).max(64).optional(),
    /** `iss` of every token identity signs, and what verifiers expect. */
    IDENTITY_ISSUER: z.string().min(1).max(200).default('cascade-identity'),
    IDENTITY_ACCESS_TOKEN_AUDIENCE: z.string().min(1).max(100).default('cascade-api'),
    IDENTITY_JOIN_TOKEN_AUDIENCE: z.string().min(1).max(100).default('cascade-join'),
    IDENTITY_ACCESS_TOKEN_TTL_SECONDS: z.coerce.number().int().min(60).max(3_600).default(900),
    IDENTITY_REFRESH_TOKEN_TTL_SECONDS: z.coerce
      .number()
      .int()
      .min(300)
      .max(365 * 86_400)
      .default(30 * 86_400),
    /**
     * A refresh token used again this soon after its first use (two tabs refreshing at once)
     * gets the same new pair; later, a second use is a reuse and ends the session. 0: never.
     */
    IDENTITY_REFRESH_REUSE_GRACE_SECONDS: z.coerce.number().int().min(0).max(60).default(10),
    IDENTITY_JOIN_TOKEN_MAX_TTL_SECONDS: z.coerce
      .number()
      .int()
      .min(60)
      .max(JOIN_TOKEN_MAX_TTL_SECONDS)
      .default(JOIN_TOKEN_MAX_TTL_SECONDS),
    /**
     * The development sign-in (a form with a display name, no password: anyone becomes anyone).
     * Refused at start when a public origin or Google's callback is not localhost, or with
     * `NODE_ENV=production`, unless `IDENTITY_DEV_LOGIN_UNSAFE=true` says it is on purpose.
     */
    IDENTITY_DEV_LOGIN: envBoolean().default(false),
    /** Allows `IDENTITY_DEV_LOGIN` on an address other than localhost (demos only). */
    IDENTITY_DEV_LOGIN_UNSAFE: envBoolean().default(false),
    /**
     * The web app's origins as browsers see them (comma-separated, `https://cascade.example.com`).
     * Requests that act on the session cookie (refresh, logout) are refused from any other
     * `Origin`, so a foreign page cannot drive them.
     */
    IDENTITY_PUBLIC_ORIGINS: commaList()
      .pipe(z.array(Origin).min(1).max(20))
      .default(['http://localhost:8080', 'http://127.0.0.1:8080']),
    /** How often expired Google sign-in states (`oauth_states`) are deleted. */
    IDENTITY_OAUTH_STATE_SWEEP_INTERVAL_MS: z.coerce
      .number()
      .int()
      .min(1_000)
      .max(86_400_000)
      .default(60_000),
    /** Bearer token of the operator endpoints under `/admin`; without it they answer 403. */
    IDENTITY_ADMIN_TOKEN: z.string().min(24).max(256).optional(),
    /**
     * Proxy hops in front of identity whose `X-Forwarded-For` is believed about the client's
     * address: off, a hop count (1 behind Traefik), or the proxies' addresses.
     */
    IDENTITY_TRUST_PROXY: trustProxyEnv(),
    /** Requests per minute per client address on each of sign-in, refresh and join-token minting. */
    IDENTITY_RATE_LIMIT_PER_MINUTE: perMinute().default(60),
    /**
     * Per account and minute, from any address: sign-ins as one user (development sign-in), and
     * join tokens a signed-in user mints for itself.
     */
    IDENTITY_ACCOUNT_RATE_LIMIT_PER_MINUTE: perMinute().default(30),
    /** Join tokens one API key may mint per minute, from any address. */
    IDENTITY_API_KEY_RATE_LIMIT_PER_MINUTE: perMinute().default(600),
    /** How long the friends list waits for the rooms service's presence answer. */
    IDENTITY_PRESENCE_TIMEOUT_MS: z.coerce.number().int().min(50).max(10_000).default(1_000),
    /**
     * How long minting a join token with `admin` for a user waits for the rooms service to tell
     * the user's role in the room; without an answer the grant is refused.
     */
    IDENTITY_ROOM_ROLE_TIMEOUT_MS: z.coerce.number().int().min(50).max(10_000).default(2_000),
    /**
     * Path of the browser session cookie (the refresh token), as the browser sees identity's
     * `/auth` routes: behind the web app's proxy, `/api/identity/auth`.
     */
    IDENTITY_REFRESH_COOKIE_PATH: z
      .string()
      .max(200)
      .regex(/^\/[A-Za-z0-9._~!$&'()*+=:@%/-]*$/, 'must be a URL path such as /api/identity/auth')
      .default('/api/identity/auth'),
    /**
     * Whether the session cookie is `Secure`: `auto` (unless the request's Host is localhost,
     * 127.0.0.1 or [::1]), `true` or `false`.
     */
    IDENTITY_REFRESH_COOKIE_SECURE: z.enum(['auto', 'true', 'false']).default('auto'),
    /** The tenant (slug) `GET /auth/methods` describes when the sign-in page names none. */
    IDENTITY_DEFAULT_TENANT: TenantSlug.optional(),
    IDENTITY_MIGRATE_ON_START: envBoolean().default(true),
    /** Tenants (slugs, comma-separated) that must exist: created at start when missing. */
    IDENTITY_BOOTSTRAP_TENANTS: commaList().pipe(z.array(TenantSlug).max(20)).default([]),
    GOOGLE_CLIENT_ID: z.string().min(1).optional(),
    GOOGLE_CLIENT_SECRET: z.string().min(1).optional(),
    /** Where Google sends the browser back: this service's `/auth/google/callback`, as reachable by browsers. */
    GOOGLE_CALLBACK_URL: httpUrl.optional(),
    GOOGLE_AUTHORIZATION_URL: httpUrl.default('https://accounts.google.com/o/oauth2/v2/auth'),
    GOOGLE_TOKEN_URL: httpUrl.default('https://oauth2.googleapis.com/token'),
    GOOGLE_USERINFO_URL: httpUrl.default('https://openidconnect.googleapis.com/v1/userinfo'),
  })
  .superRefine(refineRedisEnv)
  .superRefine((c, ctx) => {
    const google = [c.GOOGLE_CLIENT_ID, c.GOOGLE_CLIENT_SECRET, c.GOOGLE_CALLBACK_URL];
    if (google.some((v) => v !== undefined) && !google.every((v) => v !== undefined)) {
      for (const [name, value] of [
        ['GOOGLE_CLIENT_ID', c.GOOGLE_CLIENT_ID],
        ['GOOGLE_CLIENT_SECRET', c.GOOGLE_CLIENT_SECRET],
        ['GOOGLE_CALLBACK_URL', c.GOOGLE_CALLBACK_URL],
      ] as const) {
        if (value === undefined) {
          ctx.addIssue({
            code: 'custom',
            path: [name],
            message: 'is needed with the other GOOGLE_* variables',
          });
        }
      }
    }
    const publicAddresses = [
      ...c.IDENTITY_PUBLIC_ORIGINS.map((origin) => ['IDENTITY_PUBLIC_ORIGINS', origin] as const),
      ...(c.GOOGLE_CALLBACK_URL ? [['GOOGLE_CALLBACK_URL', c.GOOGLE_CALLBACK_URL] as const] : []),
    ].filter(([, address]) => !isLocalhost(address));
    if (c.IDENTITY_DEV_LOGIN && !c.IDENTITY_DEV_LOGIN_UNSAFE) {
      const reasons = [
        ...publicAddresses.map(([variable, address]) => `${variable} has ${address}`),
        ...(c.NODE_ENV === 'production' ? ['NODE_ENV is production'] : []),
      ];
      if (reasons.length > 0) {
        ctx.addIssue({
          code: 'custom',
          path: ['IDENTITY_DEV_LOGIN'],
          message:
            `is refused outside localhost (${reasons.join(', ')}): development sign-in lets ` +
            'anyone sign in as anyone. Turn it off, or set IDENTITY_DEV_LOGIN_UNSAFE=true',
        });
      }
    }
    const kids = c.IDENTITY_SIGNING_KEYS.map((k) => k.kid);
    if (c.IDENTITY_ACTIVE_KEY_ID !== undefined && !kids.includes(c.IDENTITY_ACTIVE_KEY_ID)) {
      ctx.addIssue({
        code: 'custom',
        path: ['IDENTITY_ACTIVE_KEY_ID'],
        message: `must name a key of IDENTITY_SIGNING_KEYS (${kids.join(', ')})`,
      });
    }
    if (c.IDENTITY_ACTIVE_KEY_ID === undefined && kids.length > 1) {
      ctx.addIssue({
        code: 'custom',
        path: ['IDENTITY_ACTIVE_KEY_ID'],
        message: 'is required when IDENTITY_SIGNING_KEYS holds several keys',
      });
    }
  });

export type IdentityConfig = z.output<typeof IdentityConfigSchema>;

const LOCAL_HOSTNAMES = new Set(['localhost', '127.0.0.1', '[::1]']);

/** Whether a URL names this machine (`localhost`, a `*.localhost` name or a loopback address). */
export function isLocalhost(address: string): boolean {
  const { hostname } = new URL(address);
  return LOCAL_HOSTNAMES.has(hostname) || hostname.endsWith('.localhost');
}

export function googleEnabled(config: IdentityConfig): boolean {
  return config.GOOGLE_CLIENT_ID !== undefined;
}
