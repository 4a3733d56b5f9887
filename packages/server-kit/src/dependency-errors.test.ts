import { createServer } from 'node:net';

import { CascadeError } from '@cascade/contracts';
import { Redis, ReplyError } from 'ioredis';
import { ClosedConnectionError, NoRespondersError, RequestError } from '@nats-io/transport-node';
import { Pool } from 'pg';

import { typedError, unreachableDependency } from './dependency-errors';
import { createRedis } from './infra/redis-client';

/** A TCP port on which nothing listens (taken, then released). */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** What a promise rejected with (fails the test when it resolves). */
async function rejection(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error('expected a rejection');
}

describe('typedError: a data service out of reach is NODE_UNAVAILABLE, not INTERNAL', () => {
  it('Redis: a command while the connection is down (ioredis, offline queue off, as the kit sets it)', async () => {
    const redis = new Redis(await closedPort(), '127.0.0.1', {
      lazyConnect: true,
      enableOfflineQueue: false,
      maxRetriesPerRequest: 1,
      retryStrategy: () => null,
    });
    try {
      const error = await rejection(redis.get('k'));
      expect(unreachableDependency(error)).toBe('redis');
      const typed = typedError(error);
      expect(typed).toBeInstanceOf(CascadeError);
      expect((typed as CascadeError).toEnvelope()).toEqual({
        code: 'NODE_UNAVAILABLE',
        message: 'Redis cannot be reached; try again shortly',
        details: { reason: 'dependency-unavailable', dependency: 'redis' },
      });
    } finally {
      redis.disconnect();
    }
  });

  it("Redis Cluster: a command while no node answers (the kit's cluster connection)", async () => {
    const redis = createRedis(
      {
        REDIS_MODE: 'cluster',
        REDIS_URL: [`redis://127.0.0.1:${await closedPort()}`],
        REDIS_KEY_PREFIX: 't:',
      },
      { name: 'test', version: '0', instanceId: 'i' },
    );
    try {
      const error = await rejection(redis.get('k'));
      expect({ error: String(error), dependency: unreachableDependency(error) }).toEqual({
        error: String(error),
        dependency: 'redis',
      });
    } finally {
      redis.disconnect();
    }
  });

  it('Redis Cluster: a shard that is down (CLUSTERDOWN) is the dependency, a wrong command is not', () => {
    expect(unreachableDependency(new ReplyError('CLUSTERDOWN The cluster is down'))).toBe('redis');
    expect(
      unreachableDependency(new ReplyError("ERR wrong number of arguments for 'get' command")),
    ).toBeUndefined();
  });

  it('PostgreSQL: a query when the server refuses connections (node-postgres)', async () => {
    const pool = new Pool({
      host: '127.0.0.1',
      port: await closedPort(),
      connectionTimeoutMillis: 2_000,
    });
    try {
      const error = await rejection(pool.query('SELECT 1'));
      expect(['postgres', 'network']).toContain(unreachableDependency(error));
      expect((typedError(error) as CascadeError).code).toBe('NODE_UNAVAILABLE');
    } finally {
      await pool.end();
    }
  });

  it('PostgreSQL through Prisma: unreachable codes and the driver adapter’s kinds, wrapped', () => {
    const known = Object.assign(new Error("Can't reach database server"), {
      name: 'PrismaClientKnownRequestError',
      code: 'P1001',
    });
    const adapter = Object.assign(new Error('connection closed'), {
      name: 'DriverAdapterError',
      cause: { kind: 'ConnectionClosed' },
    });
    const init = Object.assign(new Error('cannot connect'), {
      name: 'PrismaClientInitializationError',
    });
    for (const error of [known, adapter, init, new Error('outer', { cause: adapter })])
      expect(unreachableDependency(error)).toBe('postgres');
  });

  it('NATS: no responders and a closed connection', () => {
    const noResponders = new RequestError('no responders', {
      cause: new NoRespondersError('cascade.x'),
    });
    expect(unreachableDependency(noResponders)).toBe('nats');
    expect(unreachableDependency(new ClosedConnectionError())).toBe('nats');
  });

  it('leaves everything else as it is: typed errors, refusals by the data service, bugs', () => {
    const typed = new CascadeError('ROOM_FULL', 'full');
    const constraint = Object.assign(new Error('Unique constraint failed'), {
      name: 'PrismaClientKnownRequestError',
      code: 'P2002',
    });
    const replyError = Object.assign(new Error('WRONGTYPE Operation against a key'), {
      name: 'ReplyError',
    });
    const bug = new TypeError("Cannot read properties of undefined (reading 'x')");
    expect(typedError(typed)).toBe(typed);
    for (const error of [constraint, replyError, bug, 'a string', undefined]) {
      expect(unreachableDependency(error)).toBeUndefined();
      expect(typedError(error)).toBe(error);
    }
  });
});
