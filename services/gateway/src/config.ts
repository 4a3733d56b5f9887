import { IceServer, MAX_LAST_N, Region } from '@cascade/contracts';
import {
  baseEnv,
  commaList,
  envBoolean,
  natsEnv,
  pemListEnv,
  redisEnv,
  refineRedisEnv,
  trustProxyEnv,
} from '@cascade/server-kit';
import { z } from 'zod';

import { TURN_SECRET_MIN_LENGTH, TURN_URL_PATTERN } from './turn/turn-credentials';

const ms = (min: number, max: number) => z.coerce.number().int().min(min).max(max);

/** A JSON array of ICE servers (STUN/TURN) handed to clients as they join. */
const iceServers = z
  .string()
  .transform((v, ctx): unknown => {
    try {
      return JSON.parse(v);
    } catch {
      ctx.addIssue({ code: 'custom', message: 'must be a JSON array of ICE servers' });
      return z.NEVER;
    }
  })
  .pipe(z.array(IceServer).max(16));

/**
 * A comma-separated list of origins (`https://app.example.com`), possibly empty. Each one is
 * answered with credentials (CORS), so `*` is refused: it would let any site ride a user's
 * cookies.
 */
const corsOrigins = commaList()
  .refine((v) => !v.includes('*'), {
    message:
      'cannot be * (origins are answered with credentials): list them, e.g. https://app.example.com',
  })
  .refine((v) => v.every((o) => /^https?:\/\/[^/\s*]+$/.test(o)), {
    message: 'must be a comma-separated list of origins such as https://app.example.com',
  });

export const GatewayConfigSchema = z
  .object({
    ...baseEnv(3000),
    ...natsEnv,
    ...redisEnv,
    /** Identity's JWKS, to verify join tokens (`http://identity:3001/.well-known/jwks.json`). */
    GATEWAY_AUTH_JWKS_URL: z.url({ protocol: /^https?$/ }).optional(),
    /** Or PEM public keys that verify join tokens, for deployments without identity. */
    GATEWAY_AUTH_PUBLIC_KEYS: pemListEnv().optional(),
    /**
     * How old identity's cached keys may get (while its JWKS does not answer) before the gateway
     * reports not ready. They are refreshed in the background long before (a third of it, every
     * 10 minutes at most).
     */
    GATEWAY_AUTH_JWKS_MAX_STALENESS_MS: ms(3_000, 7 * 86_400_000).default(3_600_000),
    /** `iss` that join tokens must carry. */
    GATEWAY_AUTH_ISSUER: z.string().min(1).max(200).default('cascade-identity'),
    /** `aud` that join tokens must carry. */
    GATEWAY_AUTH_AUDIENCE: z.string().min(1).max(100).default('cascade-join'),
    /** `aud` that access tokens (user connections) must carry: identity's API audience. */
    GATEWAY_ACCESS_AUDIENCE: z.string().min(1).max(100).default('cascade-api'),
    /**
     * Proxy hops in front of the gateway whose `X-Forwarded-For` is believed about the client's
     * address: off, a hop count (1 behind Traefik), or the proxies' addresses.
     */
    GATEWAY_TRUST_PROXY: trustProxyEnv(),
    /** Handshakes (connection attempts) per client address and minute, across all instances. */
    GATEWAY_HANDSHAKE_RATE_LIMIT_PER_MINUTE: z.coerce
      .number()
      .int()
      .min(1)
      .max(100_000)
      .default(300),
    /** Live user connections (handshake `accessToken`) one user may hold across all instances. */
    GATEWAY_USER_CONNECTIONS_MAX: z.coerce.number().int().min(1).max(1_000).default(10),
    /** Ask the rooms service (capacity, privacy, bans) before each join. */
    GATEWAY_AUTHORIZE_JOINS: envBoolean().default(true),
    /** How long a dropped socket's session is kept for a resume. */
    GATEWAY_RESUME_GRACE_MS: ms(0, 600_000).default(15_000),
    /**
     * A room hears its viewer count (`room.viewers`) at most this often from each gateway
     * instance: the viewers' joins and leaves in between are announced together.
     */
    GATEWAY_VIEWER_COUNT_INTERVAL_MS: ms(50, 60_000).default(1_000),
    /** Requests per socket per second (token bucket refill rate). */
    GATEWAY_RATE_LIMIT_PER_SECOND: z.coerce.number().positive().max(1_000_000).default(20),
    /** Token bucket size: the burst a socket may send at once. */
    GATEWAY_RATE_LIMIT_BURST: z.coerce.number().int().min(1).max(1_000_000).default(40),
    /** Chat messages one user may send per minute, over all its sockets (Redis, every instance). */
    GATEWAY_CHAT_RATE_LIMIT_PER_MINUTE: z.coerce.number().int().min(1).max(100_000).default(30),
    GATEWAY_ICE_SERVERS: iceServers.default([]),
    /**
     * TURN servers (comma-separated `turn:`/`turns:` URIs) for which each session gets its own
     * time-limited credential (coturn `use-auth-secret`); empty: no TURN credentials are minted.
     */
    GATEWAY_TURN_URLS: commaList()
      .pipe(
        z
          .array(
            z
              .string()
              .regex(
                TURN_URL_PATTERN,
                'must be turn: or turns: URIs (turn:host:3478?transport=udp)',
              ),
          )
          .max(8),
      )
      .default([]),
    /** The TURN servers' shared secret (coturn `static-auth-secret`); required with GATEWAY_TURN_URLS. */
    GATEWAY_TURN_SECRET: z.string().min(TURN_SECRET_MIN_LENGTH).max(512).optional(),
    /** How long a minted TURN credential is accepted (the session gets fresh ones on resume). */
    GATEWAY_TURN_CREDENTIAL_TTL_SECONDS: z.coerce
      .number()
      .int()
      .min(60)
      .max(7 * 86_400)
      .default(86_400),
    /**
     * Origins other than the gateway's own whose pages may use long-polling with credentials
     * (the SDK's `websocket-or-polling` transport, which needs the sticky cookie). Empty: none,
     * same-origin only. WebSocket connections need no CORS and are not limited by it.
     */
    GATEWAY_CORS_ORIGINS: corsOrigins.default([]),
    /**
     * The Socket.IO Redis adapter: `classic` (PUBLISH/PSUBSCRIBE) or `sharded` (Redis 7 sharded
     * pub/sub, SPUBLISH/SSUBSCRIBE; for Redis Cluster, where classic pub/sub reaches every shard).
     * Unset: `sharded` with `REDIS_MODE=cluster`, `classic` otherwise.
     */
    GATEWAY_SOCKETIO_ADAPTER: z.enum(['classic', 'sharded']).optional(),
    /** Timeout of NATS requests to rooms, the orchestrator and sfu-nodes. */
    GATEWAY_REQUEST_TIMEOUT_MS: ms(100, 60_000).default(5_000),
    /**
     * A room of more participants than this hears only its loudest speakers (the
     * `GATEWAY_AUDIO_LOUDEST_N` most recent active speakers): each client receives their audio,
     * every other audio consumer is paused on its node.
     */
    GATEWAY_AUDIO_LOUDEST_ABOVE: z.coerce.number().int().min(2).max(100_000).default(20),
    /** How many speakers a room larger than `GATEWAY_AUDIO_LOUDEST_ABOVE` hears. */
    GATEWAY_AUDIO_LOUDEST_N: z.coerce.number().int().min(1).max(MAX_LAST_N).default(3),
    /**
     * Dynacast: how long a simulcast layer nobody wants any more stays on before its publisher is
     * told to stop sending it (0: at once). A layer wanted again is told at once.
     */
    GATEWAY_DYNACAST_LOWER_DELAY_MS: ms(0, 60_000).default(2_000),
    /** Placement hint passed with joins when the client gives none. */
    GATEWAY_REGION: Region.optional(),
  })
  .superRefine(refineRedisEnv)
  .refine(
    (c) => (c.GATEWAY_AUTH_JWKS_URL === undefined) !== (c.GATEWAY_AUTH_PUBLIC_KEYS === undefined),
    {
      message: 'set exactly one of GATEWAY_AUTH_JWKS_URL and GATEWAY_AUTH_PUBLIC_KEYS',
      path: ['GATEWAY_AUTH_JWKS_URL'],
    },
  )
  .refine((c) => c.GATEWAY_TURN_URLS.length === 0 || c.GATEWAY_TURN_SECRET !== undefined, {
    message: "is required when GATEWAY_TURN_URLS is set (the TURN servers' static-auth-secret)",
    path: ['GATEWAY_TURN_SECRET'],
  })
  // One audience for both would let a join token open a user connection, and the reverse.
  .refine((c) => c.GATEWAY_ACCESS_AUDIENCE !== c.GATEWAY_AUTH_AUDIENCE, {
    message:
      'must differ from GATEWAY_AUTH_AUDIENCE (join tokens and access tokens are not interchangeable)',
    path: ['GATEWAY_ACCESS_AUDIENCE'],
  })
  .transform((c) => ({
    ...c,
    GATEWAY_SOCKETIO_ADAPTER:
      c.GATEWAY_SOCKETIO_ADAPTER ?? (c.REDIS_MODE === 'cluster' ? 'sharded' : 'classic'),
  }));

export type GatewayConfig = z.output<typeof GatewayConfigSchema>;
