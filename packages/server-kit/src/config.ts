import { DEFAULT_SUBJECT_PREFIX, SubjectPrefix, formatPath } from '@cascade/contracts';
import { z } from 'zod';

/**
 * Configuration comes from environment variables only, validated once at boot against a zod
 * schema made of the fragments below. A missing or invalid variable stops the process with a
 * message that names it.
 */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
  constructor(
    readonly service: string,
    readonly problems: ReadonlyArray<{ variable: string; problem: string }>,
  ) {
    super(
      `invalid configuration for ${service}: ` +
        problems.map((p) => `${p.variable} ${p.problem}`).join('; '),
    );
  }
}

export function loadConfig<S extends z.ZodType>(
  service: string,
  schema: S,
  env: NodeJS.ProcessEnv = process.env,
): z.output<S> {
  // Empty strings count as unset, as operators expect from `FOO=` in an env file.
  const cleaned = Object.fromEntries(
    Object.entries(env).filter(([, v]) => v !== undefined && v !== ''),
  );
  const result = schema.safeParse(cleaned);
  if (result.success) return result.data;
  const problems = result.error.issues.map((issue) => {
    const variable = issue.path.length > 0 ? String(issue.path[0]) : '(environment)';
    if (cleaned[variable] === undefined) return { variable, problem: 'is required but not set' };
    const where = issue.path.length > 1 ? ` (at ${formatPath(issue.path.slice(1))})` : '';
    return { variable, problem: `is invalid${where}: ${issue.message}` };
  });
  throw new ConfigError(service, problems);
}

const urlWithProtocols = (protocols: readonly string[], example: string) =>
  z.string().refine(
    (value) => {
      try {
        return protocols.includes(new URL(value).protocol.replace(/:$/, ''));
      } catch {
        return false;
      }
    },
    { message: `must be a URL such as ${example} (${protocols.join(', ')})` },
  );

/** A comma-separated list: each item trimmed, empty items dropped (`a, b,` → `['a', 'b']`). */
export const commaList = () =>
  z.string().transform((v): string[] =>
    v
      .split(',')
      .map((s) => s.trim())
      .filter((s) => s !== ''),
  );

export const port = () => z.coerce.number().int().min(1).max(65_535);

export const envBoolean = () =>
  z
    .enum(['true', 'false', '1', '0', 'yes', 'no'], { message: 'must be true or false' })
    .transform((v) => v === 'true' || v === '1' || v === 'yes');

/**
 * PEM public keys, several concatenated in one variable; `\n` escapes (as in one-line env files)
 * are allowed. For services that verify tokens with keys from configuration.
 */
export const pemListEnv = () =>
  z
    .string()
    .transform((v) => v.replace(/\\n/g, '\n'))
    .transform((v): string[] => [
      ...(v.match(/-----BEGIN [A-Z ]+-----[\s\S]+?-----END [A-Z ]+-----/g) ?? []),
    ])
    .pipe(z.array(z.string()).min(1, 'must hold at least one PEM public key'));

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

/** Every service: environment, logging, HTTP listener, shutdown budget. */
export function baseEnv(defaultHttpPort: number) {
  return {
    NODE_ENV: z.enum(['development', 'test', 'production']).default('development'),
    LOG_LEVEL: z.enum(LOG_LEVELS).default('info'),
    HTTP_HOST: z.string().min(1).default('0.0.0.0'),
    HTTP_PORT: port().default(defaultHttpPort),
    SHUTDOWN_TIMEOUT_MS: z.coerce.number().int().min(100).max(600_000).default(10_000),
  };
}

/** Services on NATS. `NATS_URL` may list several servers separated by commas. */
export const natsEnv = {
  NATS_URL: z
    .string()
    .transform((v) => v.split(',').map((s) => s.trim()))
    .pipe(z.array(urlWithProtocols(['nats', 'tls', 'ws', 'wss'], 'nats://127.0.0.1:4222')).min(1)),
  NATS_SUBJECT_PREFIX: SubjectPrefix.default(DEFAULT_SUBJECT_PREFIX),
  /** Handlers of one subscription running at once; more messages wait (see the next). */
  NATS_HANDLER_CONCURRENCY: z.coerce.number().int().min(1).max(100_000).default(200),
  /**
   * Messages of one subscription waiting for a handler; beyond this a request is answered
   * `RATE_LIMITED` (overloaded) at once and an event is dropped.
   */
  NATS_HANDLER_QUEUE_MAX: z.coerce.number().int().min(0).max(1_000_000).default(5_000),
  /**
   * Keepalive: the client pings the server this often and gives the connection up (and
   * reconnects) after `NATS_MAX_PINGS_OUT` pings without an answer. That is how a silent
   * partition (no FIN, no RST) is noticed at all, so it must be well inside any timeout that
   * acts on silence (the orchestrator's ORCH_NODE_DEAD_MS checks it). nats.js's own defaults
   * (2 min, 2) would notice one only after minutes.
   */
  NATS_PING_INTERVAL_MS: z.coerce.number().int().min(100).max(600_000).default(2_000),
  NATS_MAX_PINGS_OUT: z.coerce.number().int().min(1).max(100).default(2),
  /**
   * How the service authenticates to NATS (each service its own user: `infra/nats-permissions.ts`):
   * a user and password, a token, or a credentials file (a path); at most one, checked at start
   * (`infra/nats-auth.ts`). None: credentials in `NATS_URL`, or a server without authentication.
   */
  NATS_USER: z.string().max(256).regex(/^\S+$/, 'must not contain spaces').optional(),
  NATS_PASSWORD: z.string().max(1024).optional(),
  NATS_TOKEN: z.string().min(8).max(1024).optional(),
  NATS_CREDS: z.string().max(4096).optional(),
};

/**
 * Services on Redis. Every key the service writes starts with `REDIS_KEY_PREFIX`.
 *
 * `REDIS_MODE=standalone` (default): `REDIS_URL` is one server (or a Sentinel-managed master's
 * Service). `REDIS_MODE=cluster`: a Redis Cluster, and `REDIS_URL` lists one or more of its nodes,
 * comma-separated (seeds: the client learns the others and the slot map from them). The two
 * are checked together by {@link refineRedisEnv}, which every service's schema applies.
 */
export const redisEnv = {
  REDIS_URL: commaList().pipe(
    z.array(urlWithProtocols(['redis', 'rediss'], 'redis://127.0.0.1:6379')).min(1),
  ),
  REDIS_MODE: z.enum(['standalone', 'cluster']).default('standalone'),
  REDIS_KEY_PREFIX: z
    .string()
    .min(1)
    .max(64)
    .regex(/^[A-Za-z0-9_:.-]+$/, 'must contain only letters, digits and _ : . -')
    .default('cascade:'),
};

/** What is wrong with a Redis configuration as a whole (each field is valid on its own). */
export function redisEnvProblems(
  config: RedisConfig,
): Array<{ variable: keyof RedisConfig; problem: string }> {
  // Runs after the fields' own checks, which may have failed: then there is nothing to add.
  const urls = Array.isArray(config.REDIS_URL) ? config.REDIS_URL.flatMap(parsedUrl) : [];
  if (urls.length === 0 || urls.length !== config.REDIS_URL.length) return [];
  if (config.REDIS_MODE === 'standalone') {
    return urls.length > 1
      ? [
          {
            variable: 'REDIS_URL',
            problem: `lists ${urls.length} servers: a list is for REDIS_MODE=cluster (its seed nodes); standalone takes one`,
          },
        ]
      : [];
  }
  const problems: Array<{ variable: keyof RedisConfig; problem: string }> = [];
  const first = urls[0]!;
  // The cluster's nodes, discovered or not, are reached with one protocol and one login.
  if (
    urls.some(
      (u) =>
        u.protocol !== first.protocol ||
        u.username !== first.username ||
        u.password !== first.password,
    )
  )
    problems.push({
      variable: 'REDIS_URL',
      problem: 'must give every seed node the same protocol (redis or rediss), user and password',
    });
  if (urls.some((u) => !['', '/', '/0'].includes(u.pathname)))
    problems.push({
      variable: 'REDIS_URL',
      problem: 'must not name a database: Redis Cluster has database 0 only',
    });
  return problems;
}

function parsedUrl(value: string): URL[] {
  try {
    return [new URL(value)];
  } catch {
    return [];
  }
}

/** For a service's schema: `.superRefine(refineRedisEnv)`. */
export function refineRedisEnv(config: RedisConfig, ctx: z.RefinementCtx): void {
  for (const { variable, problem } of redisEnvProblems(config))
    ctx.addIssue({ code: 'custom', path: [variable], message: problem });
}

/** Services on PostgreSQL. */
export const postgresEnv = {
  DATABASE_URL: urlWithProtocols(['postgres', 'postgresql'], 'postgresql://user@127.0.0.1:5432/db'),
  DATABASE_POOL_SIZE: z.coerce.number().int().min(1).max(100).default(10),
};

export type BaseConfig = z.output<z.ZodObject<ReturnType<typeof baseEnv>>>;
export type NatsConfig = z.output<z.ZodObject<typeof natsEnv>>;
export type RedisConfig = z.output<z.ZodObject<typeof redisEnv>>;
export type PostgresConfig = z.output<z.ZodObject<typeof postgresEnv>>;
