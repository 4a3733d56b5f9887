import { z } from 'zod';

import {
  ConfigError,
  baseEnv,
  envBoolean,
  loadConfig,
  natsEnv,
  postgresEnv,
  redisEnv,
  refineRedisEnv,
} from './config';

const Schema = z
  .object({
    ...baseEnv(3000),
    ...natsEnv,
    ...redisEnv,
    ...postgresEnv,
    FLAG: envBoolean().default(false),
  })
  .superRefine(refineRedisEnv);
const complete = {
  NATS_URL: 'nats://127.0.0.1:4222',
  REDIS_URL: 'redis://127.0.0.1:6379',
  DATABASE_URL: 'postgresql://cascade@127.0.0.1:5432/cascade',
};

function problemsOf(env: Record<string, string>): ConfigError['problems'] {
  try {
    loadConfig('svc', Schema, env);
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
  throw new Error('expected a ConfigError');
}

describe('loadConfig', () => {
  it('applies defaults and coerces numbers and lists', () => {
    const config = loadConfig('svc', Schema, {
      ...complete,
      HTTP_PORT: '8080',
      NATS_URL: 'nats://a:4222, nats://b:4222',
    });
    expect(config).toMatchObject({
      NODE_ENV: 'development',
      LOG_LEVEL: 'info',
      HTTP_PORT: 8080,
      SHUTDOWN_TIMEOUT_MS: 10_000,
      NATS_URL: ['nats://a:4222', 'nats://b:4222'],
      NATS_SUBJECT_PREFIX: 'cascade',
      REDIS_KEY_PREFIX: 'cascade:',
      DATABASE_POOL_SIZE: 10,
      FLAG: false,
    });
  });

  it('names every missing variable', () => {
    expect(problemsOf({})).toEqual([
      { variable: 'NATS_URL', problem: 'is required but not set' },
      { variable: 'REDIS_URL', problem: 'is required but not set' },
      { variable: 'DATABASE_URL', problem: 'is required but not set' },
    ]);
  });

  it('treats an empty value as not set', () => {
    expect(problemsOf({ ...complete, REDIS_URL: '' })).toEqual([
      { variable: 'REDIS_URL', problem: 'is required but not set' },
    ]);
  });

  it.each([
    ['HTTP_PORT', '70000'],
    ['HTTP_PORT', 'http'],
    ['LOG_LEVEL', 'loud'],
    ['NATS_URL', 'http://127.0.0.1:4222'],
    ['NATS_SUBJECT_PREFIX', 'cascade.>'],
    ['REDIS_URL', 'localhost:6379'],
    ['REDIS_URL', 'not a url'],
    ['REDIS_URL', 'redis://a:6379,not a url'],
    ['DATABASE_URL', 'mysql://x@y/z'],
    ['FLAG', 'maybe'],
  ])('names %s when it is %j', (variable, value) => {
    const problems = problemsOf({ ...complete, [variable]: value });
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatchObject({ variable, problem: expect.stringMatching(/^is invalid/) });
  });

  it('says which entry of a list is wrong', () => {
    const [problem] = problemsOf({ ...complete, NATS_URL: 'nats://a:4222,bogus' });
    expect(problem).toEqual({ variable: 'NATS_URL', problem: expect.stringContaining('(at [1])') });
  });

  it('puts the service and every problem in the message', () => {
    expect(() => loadConfig('gateway', Schema, { NATS_URL: 'nope' })).toThrow(
      /invalid configuration for gateway: NATS_URL is invalid.*; REDIS_URL is required but not set/,
    );
  });
});

describe('Redis: one server or a Redis Cluster', () => {
  it('takes one server by default', () => {
    expect(loadConfig('svc', Schema, complete)).toMatchObject({
      REDIS_MODE: 'standalone',
      REDIS_URL: ['redis://127.0.0.1:6379'],
    });
  });

  it('takes a cluster from its seed nodes, comma-separated', () => {
    const config = loadConfig('svc', Schema, {
      ...complete,
      REDIS_MODE: 'cluster',
      REDIS_URL: 'rediss://:pw@redis-0.redis:6379, rediss://:pw@redis-1.redis:6379',
    });
    expect(config).toMatchObject({
      REDIS_MODE: 'cluster',
      REDIS_URL: ['rediss://:pw@redis-0.redis:6379', 'rediss://:pw@redis-1.redis:6379'],
    });
  });

  it.each([
    [
      'several servers without cluster mode',
      {},
      'redis://a:6379,redis://b:6379',
      /REDIS_MODE=cluster/,
    ],
    [
      'seeds with different passwords',
      { REDIS_MODE: 'cluster' },
      'redis://:one@a:6379,redis://:two@b:6379',
      /same protocol \(redis or rediss\), user and password/,
    ],
    [
      'seeds with and without TLS',
      { REDIS_MODE: 'cluster' },
      'rediss://a:6379,redis://b:6379',
      /same protocol/,
    ],
    ['a database on a cluster', { REDIS_MODE: 'cluster' }, 'redis://a:6379/2', /database 0 only/],
  ])('refuses %s', (_what, extra: Record<string, string>, urls, message) => {
    expect(problemsOf({ ...complete, ...extra, REDIS_URL: urls })).toEqual([
      { variable: 'REDIS_URL', problem: expect.stringMatching(message) },
    ]);
  });

  it('names an unknown mode', () => {
    expect(problemsOf({ ...complete, REDIS_MODE: 'sentinel' })).toEqual([
      { variable: 'REDIS_MODE', problem: expect.stringMatching(/^is invalid/) },
    ]);
  });
});
