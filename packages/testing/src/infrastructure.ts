import { randomBytes } from 'node:crypto';

import { Redis } from 'ioredis';
import { connect as natsConnect } from '@nats-io/transport-node';
import { Client } from 'pg';

import { isReachable } from './net';

/**
 * Real PostgreSQL, Redis and NATS for an integration suite, isolated per run:
 *   PostgreSQL  a database of its own, dropped afterwards
 *   Redis       a key prefix of its own, its keys deleted afterwards
 *   NATS        a subject prefix of its own
 *
 * Where each comes from, in order: the URL in the environment (`DATABASE_URL`, `REDIS_URL`,
 * `NATS_URL`); the service on its default local port when it answers; a container started with
 * testcontainers when a Docker engine is reachable. With none of those it fails with one message
 * saying what to start.
 */
export interface InfrastructureNeeds {
  postgres?: boolean;
  redis?: boolean;
  nats?: boolean;
}

export interface Infrastructure {
  /** Unique per provisioning; safe in database names, key prefixes and subject tokens. */
  runId: string;
  postgres?: { url: string; database: string };
  redis?: { url: string; keyPrefix: string };
  nats?: { url: string; subjectPrefix: string };
  /** The variables a Cascade service needs to use exactly this infrastructure. */
  env: Record<string, string>;
  teardown(): Promise<void>;
}

interface Endpoint {
  url: string;
  stop?: () => Promise<void>;
}

const DEFAULTS = {
  postgres: {
    env: 'DATABASE_URL',
    url: 'postgresql://postgres:postgres@127.0.0.1:5432/postgres',
    port: 5432,
  },
  redis: { env: 'REDIS_URL', url: 'redis://127.0.0.1:6379', port: 6379 },
  nats: { env: 'NATS_URL', url: 'nats://127.0.0.1:4222', port: 4222 },
} as const;

type Kind = keyof typeof DEFAULTS;

export class InfrastructureUnavailableError extends Error {
  override readonly name = 'InfrastructureUnavailableError';
}

async function locate(kind: Kind): Promise<Endpoint | undefined> {
  const fromEnv = process.env[DEFAULTS[kind].env];
  if (fromEnv) return { url: fromEnv };
  if (await isReachable('127.0.0.1', DEFAULTS[kind].port)) return { url: DEFAULTS[kind].url };
  return undefined;
}

async function dockerReachable(): Promise<boolean> {
  try {
    const { getContainerRuntimeClient } = await import('testcontainers');
    await getContainerRuntimeClient();
    return true;
  } catch {
    return false;
  }
}

async function startContainer(kind: Kind): Promise<Endpoint> {
  const { GenericContainer, Wait } = await import('testcontainers');
  switch (kind) {
    case 'postgres': {
      const c = await new GenericContainer('postgres:16-alpine')
        .withEnvironment({ POSTGRES_HOST_AUTH_METHOD: 'trust' })
        .withExposedPorts(5432)
        .withWaitStrategy(Wait.forLogMessage(/database system is ready to accept connections/, 2))
        .start();
      return {
        url: `postgresql://postgres@${c.getHost()}:${c.getMappedPort(5432)}/postgres`,
        stop: async () => void (await c.stop()),
      };
    }
    case 'redis': {
      const c = await new GenericContainer('redis:7-alpine').withExposedPorts(6379).start();
      return {
        url: `redis://${c.getHost()}:${c.getMappedPort(6379)}`,
        stop: async () => void (await c.stop()),
      };
    }
    case 'nats': {
      const c = await new GenericContainer('nats:2-alpine')
        .withCommand(['-js'])
        .withExposedPorts(4222)
        .withWaitStrategy(Wait.forLogMessage(/Server is ready/))
        .start();
      return {
        url: `nats://${c.getHost()}:${c.getMappedPort(4222)}`,
        stop: async () => void (await c.stop()),
      };
    }
  }
}

async function resolveEndpoints(
  needs: InfrastructureNeeds,
): Promise<Partial<Record<Kind, Endpoint>>> {
  const kinds = (Object.keys(DEFAULTS) as Kind[]).filter((k) => needs[k]);
  const found = Object.fromEntries(
    await Promise.all(kinds.map(async (k) => [k, await locate(k)] as const)),
  );
  const missing = kinds.filter((k) => found[k] === undefined);
  if (missing.length > 0) {
    if (!(await dockerReachable())) {
      throw new InfrastructureUnavailableError(
        `integration tests need ${missing.join(', ')} and none is reachable: ` +
          missing
            .map((k) => `${k} on 127.0.0.1:${DEFAULTS[k].port} (or set ${DEFAULTS[k].env})`)
            .join(', ') +
          '. Start them (`bash scripts/infra.sh up` starts local PostgreSQL, Redis and NATS, ' +
          'installing them if needed) or start a Docker engine for testcontainers.',
      );
    }
    for (const k of missing) found[k] = await startContainer(k);
  }
  return found;
}

export async function provisionInfrastructure(needs: InfrastructureNeeds): Promise<Infrastructure> {
  const runId = `t${Date.now().toString(36)}${randomBytes(3).toString('hex')}`;
  const endpoints = await resolveEndpoints(needs);
  const cleanups: Array<() => Promise<void>> = [];
  const infra: Infrastructure = {
    runId,
    env: {},
    teardown: async () => {
      for (const cleanup of cleanups.reverse()) await cleanup().catch(() => undefined);
    },
  };
  try {
    for (const endpoint of Object.values(endpoints))
      if (endpoint.stop) cleanups.push(endpoint.stop);

    if (endpoints.postgres) {
      const admin = endpoints.postgres.url;
      const database = `cascade_${runId}`;
      await withPg(admin, (c) => c.query(`CREATE DATABASE "${database}"`));
      cleanups.push(async () => {
        await withPg(admin, (c) => c.query(`DROP DATABASE IF EXISTS "${database}" WITH (FORCE)`));
      });
      const url = new URL(admin);
      url.pathname = `/${database}`;
      infra.postgres = { url: url.toString(), database };
      infra.env['DATABASE_URL'] = infra.postgres.url;
    }
    if (endpoints.redis) {
      const keyPrefix = `test:${runId}:`;
      const url = endpoints.redis.url;
      await withRedis(url, (r) => r.ping());
      cleanups.push(() => withRedis(url, (r) => deleteKeys(r, keyPrefix)));
      infra.redis = { url, keyPrefix };
      Object.assign(infra.env, { REDIS_URL: url, REDIS_KEY_PREFIX: keyPrefix });
    }
    if (endpoints.nats) {
      const url = endpoints.nats.url;
      const nc = await natsConnect({ servers: url, timeout: 3_000 });
      await nc.close();
      infra.nats = { url, subjectPrefix: `test.${runId}` };
      Object.assign(infra.env, { NATS_URL: url, NATS_SUBJECT_PREFIX: infra.nats.subjectPrefix });
    }
  } catch (error) {
    await infra.teardown();
    throw error;
  }
  return infra;
}

async function withPg<T>(url: string, fn: (c: Client) => Promise<T>): Promise<T> {
  const client = new Client({ connectionString: url, connectionTimeoutMillis: 3_000 });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

async function withRedis<T>(url: string, fn: (r: Redis) => Promise<T>): Promise<T> {
  const redis = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 1 });
  await redis.connect();
  try {
    return await fn(redis);
  } finally {
    redis.disconnect();
  }
}

async function deleteKeys(redis: Redis, prefix: string): Promise<void> {
  let cursor = '0';
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 500);
    if (keys.length > 0) await redis.del(...keys);
    cursor = next;
  } while (cursor !== '0');
}

/**
 * Jest helper: provisions before the suite, tears down after it, and hands the suite a getter.
 *
 *   const infra = useInfrastructure({ postgres: true, nats: true });
 *   it('...', () => { infra().env ... });
 */
export function useInfrastructure(
  needs: InfrastructureNeeds,
  timeoutMs = 120_000,
): () => Infrastructure {
  let infra: Infrastructure | undefined;
  beforeAll(async () => {
    infra = await provisionInfrastructure(needs);
  }, timeoutMs);
  afterAll(async () => {
    await infra?.teardown();
  }, timeoutMs);
  return () => {
    if (!infra)
      throw new Error('infrastructure is not provisioned yet (use it inside a test or hook)');
    return infra;
  };
}
