import { Cluster, Redis, type RedisOptions } from 'ioredis';

import { ConfigError, type RedisConfig, redisEnvProblems } from '../config';
import type { ServiceInfo } from '../tokens';

/**
 * A connection to Redis: one server (`REDIS_MODE=standalone`) or a Redis Cluster. Both speak the
 * same commands; on a cluster, the keys of one script, MULTI or pipeline must share a hash slot
 * (the stores put them behind one `{hash tag}`), and a keyless command (SCAN) reaches one node
 * only ({@link scanKeys} walks every master).
 */
export type RedisClient = Redis | Cluster;

export interface RedisConnectionOptions {
  /** `CLIENT SETNAME` of the connection (of each node's connection on a cluster). */
  connectionName: string;
  /** Put `REDIS_KEY_PREFIX` in front of every key (default true; pub/sub channels take none). */
  keyPrefix?: boolean;
  /**
   * Commands fail at once while disconnected instead of waiting in a queue (default false):
   * callers get an error to answer, not a hang.
   */
  failFast?: boolean;
  /** Connect on `connect()` rather than at once (default false). */
  lazyConnect?: boolean;
  /**
   * Cluster only: SSUBSCRIBE through one subscriber connection per master, each channel on the
   * shard of its slot (Redis 7 sharded pub/sub); a standalone server takes SSUBSCRIBE as it is.
   */
  shardedSubscriber?: boolean;
}

const retryStrategy = (attempt: number) => Math.min(attempt * 200, 2_000);

/** A connection as the configuration says: one server, or a Redis Cluster from its seeds. */
export function connectRedis(config: RedisConfig, options: RedisConnectionOptions): RedisClient {
  const problems = redisEnvProblems(config);
  if (problems.length > 0) throw new ConfigError('redis', problems);
  const keyPrefix = options.keyPrefix === false ? {} : { keyPrefix: config.REDIS_KEY_PREFIX };
  if (config.REDIS_MODE === 'standalone') {
    return new Redis(config.REDIS_URL[0]!, {
      ...keyPrefix,
      connectionName: options.connectionName,
      lazyConnect: options.lazyConnect ?? false,
      retryStrategy,
      ...(options.failFast ? { enableOfflineQueue: false, maxRetriesPerRequest: 1 } : {}),
    });
  }
  const seeds = config.REDIS_URL.map((u) => new URL(u));
  const first = seeds[0]!;
  // Every node, seed or discovered, is reached with the seeds' login and protocol.
  const nodeOptions: RedisOptions = {
    connectionName: options.connectionName,
    ...(first.username ? { username: decodeURIComponent(first.username) } : {}),
    ...(first.password ? { password: decodeURIComponent(first.password) } : {}),
    ...(first.protocol === 'rediss:' ? { tls: {} } : {}),
    ...(options.failFast ? { maxRetriesPerRequest: 1 } : {}),
  };
  return new Cluster(
    seeds.map((u) => ({ host: u.hostname.replace(/^\[|\]$/g, ''), port: Number(u.port || 6379) })),
    {
      ...keyPrefix,
      lazyConnect: options.lazyConnect ?? false,
      enableOfflineQueue: !options.failFast,
      clusterRetryStrategy: retryStrategy,
      redisOptions: nodeOptions,
      shardedSubscribers: options.shardedSubscriber ?? false,
      slotsRefreshTimeout: 2_000,
    },
  );
}

/**
 * The service's connection: `REDIS_KEY_PREFIX` on every key, no queue while disconnected (callers
 * get an error at once instead of a hang), reconnection with a capped back-off.
 */
export function createRedis(config: RedisConfig, info: ServiceInfo): RedisClient {
  return connectRedis(config, {
    connectionName: `${info.name}-${info.instanceId}`,
    lazyConnect: true,
    failFast: true,
  });
}

export function isRedisCluster(client: RedisClient): client is Cluster {
  return client instanceof Cluster;
}

/**
 * The keys matching `pattern` (the connection's key prefix is not added: give it in the pattern),
 * by SCAN, incrementally (never blocking Redis like KEYS), on every master of a cluster.
 */
export async function scanKeys(
  client: RedisClient,
  pattern: string,
  count = 500,
): Promise<string[]> {
  const nodes = isRedisCluster(client) ? client.nodes('master') : [client];
  const found: string[] = [];
  for (const node of nodes) {
    let cursor = '0';
    do {
      const [next, keys] = await node.scan(cursor, 'MATCH', pattern, 'COUNT', count);
      cursor = next;
      found.push(...keys);
    } while (cursor !== '0');
  }
  return found;
}

/**
 * Logs each distinct error of a connection once (reconnection repeats the same error every
 * attempt), a cluster's node errors with the node's address, and `ready` again after errors.
 */
export function logRedisErrors(
  client: RedisClient,
  warn: (message: string) => void,
  ready?: () => void,
): void {
  let last = '';
  const report = (message: string) => {
    if (message !== last) warn(message);
    last = message;
  };
  client.on('error', (error: Error) => report(error.message));
  if (isRedisCluster(client))
    client.on('node error', (error: Error, address: string) =>
      report(`node ${address}: ${error.message}`),
    );
  client.on('ready', () => {
    last = '';
    ready?.();
  });
}
