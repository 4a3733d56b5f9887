import { CascadeError } from '@cascade/contracts';

/** The data services a Cascade service depends on. */
export type Dependency = 'redis' | 'postgres' | 'nats';

/** Socket errors that say a peer cannot be reached or went away (Node's `error.code`). */
const NETWORK_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ECONNABORTED',
  'ETIMEDOUT',
  'EPIPE',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
]);

/** Prisma's codes for a database it cannot reach or whose connection it lost. */
const PRISMA_UNREACHABLE = new Set(['P1001', 'P1002', 'P1008', 'P1017', 'P2024']);

/** Driver adapters' error kinds (`@prisma/driver-adapter-utils`) for the same. */
const ADAPTER_UNREACHABLE = new Set([
  'DatabaseNotReachable',
  'ConnectionClosed',
  'SocketTimeout',
  'TooManyConnections',
]);

/** node-postgres's own messages when it cannot get or keep a connection. */
const PG_MESSAGES = [
  'timeout exceeded when trying to connect',
  'Connection terminated unexpectedly',
  'Connection terminated due to connection timeout',
  'Connection terminated',
  'Client has encountered a connection error and is not queryable',
];

/**
 * ioredis's messages when a command cannot be sent (offline queue off) or its connection went;
 * on a Redis Cluster also when no node answers, and a cluster that has lost a shard (CLUSTERDOWN).
 */
const REDIS_MESSAGES = [
  "Stream isn't writeable and enableOfflineQueue options is false",
  'Connection is closed.',
  'Reached the max retries per request limit',
  "Cluster isn't ready and enableOfflineQueue options is false",
  'None of startup nodes is available',
  'Failed to refresh slots cache',
  'Too many Cluster redirections',
];
/** Redis replies that say the cluster cannot serve the key now (not that the command is wrong). */
const REDIS_CLUSTER_REPLIES = /^(CLUSTERDOWN|TRYAGAIN|MASTERDOWN) /;

/**
 * NATS client errors (nats.js 3, `@nats-io/nats-core` errors, told apart by `name`) that mean the
 * bus or the responder is away. A `RequestError` that is "no responders" carries a
 * `NoRespondersError` (named `NoResponders`) as its cause, which the cause walk below reaches.
 */
const NATS_ERRORS = new Set([
  'ClosedConnectionError',
  'DrainingConnectionError',
  'ConnectionError',
  'NoResponders',
  'NoRespondersError',
]);

interface ErrorLike {
  name?: unknown;
  code?: unknown;
  message?: unknown;
  cause?: unknown;
  kind?: unknown;
}

/**
 * Which data service an error says is unreachable, if any: the error or one of its causes (up to
 * a few levels: Prisma wraps the driver's error, which wraps the socket's) is a connection
 * failure of Redis (ioredis), PostgreSQL (Prisma, its pg adapter, node-postgres) or NATS. A
 * command the data service refused (a constraint, a syntax error, a Redis `ReplyError`) is not.
 */
export function unreachableDependency(error: unknown): Dependency | 'network' | undefined {
  let current: unknown = error;
  for (let depth = 0; depth < 5 && current && typeof current === 'object'; depth++) {
    const e = current as ErrorLike;
    const name = typeof e.name === 'string' ? e.name : '';
    const code = typeof e.code === 'string' ? e.code : '';
    const message = typeof e.message === 'string' ? e.message : '';
    if (
      name === 'MaxRetriesPerRequestError' ||
      name === 'ClusterAllFailedError' ||
      REDIS_MESSAGES.some((m) => message.includes(m)) ||
      (name === 'ReplyError' && REDIS_CLUSTER_REPLIES.test(message))
    )
      return 'redis';
    if (
      name === 'PrismaClientInitializationError' ||
      (name === 'PrismaClientKnownRequestError' && PRISMA_UNREACHABLE.has(code)) ||
      (name === 'DriverAdapterError' && ADAPTER_UNREACHABLE.has(kindOf(e.cause))) ||
      ADAPTER_UNREACHABLE.has(typeof e.kind === 'string' ? e.kind : '') ||
      PG_MESSAGES.some((m) => message.startsWith(m))
    )
      return 'postgres';
    if (NATS_ERRORS.has(name)) return 'nats';
    if (NETWORK_CODES.has(code)) return 'network';
    current = e.cause;
  }
  return undefined;
}

function kindOf(cause: unknown): string {
  const kind = (cause as ErrorLike | undefined)?.kind;
  return typeof kind === 'string' ? kind : '';
}

/**
 * The typed error for a failure at a boundary: a `CascadeError` as it is; a data service that
 * cannot be reached (see {@link unreachableDependency}) as `NODE_UNAVAILABLE` with
 * `details.reason: 'dependency-unavailable'` and which one, so the caller knows to try again
 * shortly; anything else as it is (the edge's envelope makes it `INTERNAL`).
 */
export function typedError(error: unknown): unknown {
  if (error instanceof CascadeError) return error;
  const dependency = unreachableDependency(error);
  if (!dependency) return error;
  return new CascadeError(
    'NODE_UNAVAILABLE',
    dependency === 'network'
      ? 'a service this request needs cannot be reached; try again shortly'
      : `${dependency === 'postgres' ? 'PostgreSQL' : dependency === 'redis' ? 'Redis' : 'NATS'} cannot be reached; try again shortly`,
    { reason: 'dependency-unavailable', dependency },
  );
}
