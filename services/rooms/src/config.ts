import {
  baseEnv,
  envBoolean,
  natsEnv,
  pemListEnv,
  postgresEnv,
  redisEnv,
  refineRedisEnv,
  trustProxyEnv,
} from '@cascade/server-kit';
import { z } from 'zod';

const seconds = (min: number, max: number) => z.coerce.number().int().min(min).max(max);

export const RoomsConfigSchema = z
  .object({
    ...baseEnv(3002),
    ...natsEnv,
    ...postgresEnv,
    /** Where the rate limits count, shared by every replica (see the kit's `RateLimiter`). */
    ...redisEnv,
    /** Identity's JWKS, to verify access tokens (`http://identity:3001/.well-known/jwks.json`). */
    ROOMS_AUTH_JWKS_URL: z.url({ protocol: /^https?$/ }).optional(),
    /** Public keys (PEM) accepted for access tokens, besides or instead of the JWKS. */
    ROOMS_AUTH_PUBLIC_KEYS: pemListEnv().optional(),
    /** `iss` and `aud` that access tokens must carry. */
    ROOMS_AUTH_ISSUER: z.string().min(1),
    ROOMS_AUTH_AUDIENCE: z.string().min(1),
    /** The largest capacity a room may have (the tenant's ceiling). */
    ROOMS_MAX_CAPACITY: z.coerce.number().int().min(2).max(100_000).default(500),
    /** How long a seat granted by the join authorization is held for a participant to arrive. */
    /** The largest viewer capacity a room may have (viewers are counted apart from speakers). */
    ROOMS_MAX_VIEWER_CAPACITY: z.coerce.number().int().min(0).max(1_000_000).default(10_000),
    ROOMS_SEAT_HOLD_SECONDS: seconds(1, 3_600).default(30),
    /** Chat messages older than this are deleted (swept every `ROOMS_CHAT_SWEEP_INTERVAL_MS`). */
    ROOMS_CHAT_RETENTION_DAYS: z.coerce.number().int().min(1).max(36_500).default(90),
    ROOMS_CHAT_SWEEP_INTERVAL_MS: z.coerce
      .number()
      .int()
      .min(1_000)
      .max(86_400_000)
      .default(600_000),
    /** Places one user may hold in one room at once (tabs, devices): the rest are refused. */
    ROOMS_SEATS_PER_USER: z.coerce.number().int().min(1).max(100).default(3),
    /**
     * Proxy hops in front of rooms whose `X-Forwarded-For` is believed about the client's
     * address: off, a hop count (1 behind Traefik), or the proxies' addresses.
     */
    ROOMS_TRUST_PROXY: trustProxyEnv(),
    /** Writes (create, update, invite…) one user may make per minute; more answer 429. */
    ROOMS_RATE_LIMIT_PER_MINUTE: z.coerce.number().int().min(1).max(100_000).default(120),
    /** Writes per minute from one client address, whoever signs them. */
    ROOMS_ADDRESS_RATE_LIMIT_PER_MINUTE: z.coerce.number().int().min(1).max(100_000).default(600),
    /** How long to wait for identity's answer to a friendship query. */
    ROOMS_IDENTITY_TIMEOUT_MS: z.coerce.number().int().min(100).max(60_000).default(3_000),
    /** Apply database migrations at start (off when a separate job runs `npm run migrate`). */
    ROOMS_MIGRATE_ON_START: envBoolean().default(true),
  })
  .superRefine(refineRedisEnv)
  .refine((c) => c.ROOMS_AUTH_JWKS_URL !== undefined || c.ROOMS_AUTH_PUBLIC_KEYS !== undefined, {
    message: 'set ROOMS_AUTH_JWKS_URL or ROOMS_AUTH_PUBLIC_KEYS to verify access tokens',
    path: ['ROOMS_AUTH_JWKS_URL'],
  });

export type RoomsConfig = z.output<typeof RoomsConfigSchema>;

/** Injection token of the validated configuration (the kit's SERVICE_CONFIG, typed). */
export { SERVICE_CONFIG as ROOMS_CONFIG } from '@cascade/server-kit';
