import type { INestApplication } from '@nestjs/common';

import { accessToken, startRoomsApp, uid, useRoomsApp, waitFor } from './support/harness';

/**
 * Rooms' write limits as replicas behind Traefik see them: counted in the shared Redis, per user
 * from any address, and per client address as the trusted proxy hops tell it.
 */
const rooms = useRoomsApp();
const started: INestApplication[] = [];
let tests = 0;

afterEach(async () => {
  await Promise.all(started.splice(0).map((app) => app.close()));
});

/** `count` rooms instances on the suite's infrastructure, with a Redis key prefix of their own. */
async function instances(count: number, env: Record<string, string>): Promise<string[]> {
  const infraEnv = rooms().infra.env;
  const prefix = `${infraEnv['REDIS_KEY_PREFIX']}t${++tests}:`;
  const urls: string[] = [];
  for (let i = 0; i < count; i++) {
    const { app, url } = await startRoomsApp({
      ...infraEnv,
      REDIS_KEY_PREFIX: prefix,
      ROOMS_MIGRATE_ON_START: 'false',
      ...env,
    });
    started.push(app);
    urls.push(url);
  }
  // Counted in Redis from the first request on, not in memory while the connection opens.
  for (const url of urls) {
    await waitFor('Redis to be connected', async () => {
      const body = (await (await fetch(`${url}/readyz`)).json()) as {
        checks: { redis?: { ok: boolean } };
      };
      return body.checks.redis?.ok ? true : undefined;
    });
  }
  return urls;
}

/** Creates a room as `user` of `tenant` through `url`, from `address` as a proxy would say. */
async function createRoom(url: string, tenant: string, user: string, address?: string) {
  const res = await fetch(`${url}/rooms`, {
    method: 'POST',
    headers: {
      authorization: `Bearer ${accessToken(tenant, user)}`,
      'content-type': 'application/json',
      ...(address === undefined ? {} : { 'x-forwarded-for': address }),
    },
    body: JSON.stringify({ title: 'Limits', language: 'en' }),
  });
  return { status: res.status, headers: res.headers, body: (await res.json()) as unknown };
}

async function statuses(requests: Array<() => Promise<{ status: number }>>): Promise<number[]> {
  const result: number[] = [];
  for (const request of requests) result.push((await request()).status);
  return result;
}

it('counts one user’s writes once for two instances on the same Redis', async () => {
  const [a, b] = await instances(2, { ROOMS_RATE_LIMIT_PER_MINUTE: '3' });
  const tenant = uid('tenant');
  const erin = uid('erin');
  const create = (url: string) => () => createRoom(url, tenant, erin);
  expect(await statuses([create(a!), create(b!), create(a!), create(b!)])).toEqual([
    201, 201, 201, 429,
  ]);
});

it('behind one trusted proxy hop, counts writes per client address, whoever signs them', async () => {
  const [url] = await instances(1, {
    ROOMS_TRUST_PROXY: '1',
    ROOMS_ADDRESS_RATE_LIMIT_PER_MINUTE: '2',
  });
  const tenant = uid('tenant');
  const fromA = () => createRoom(url!, tenant, uid('user'), '203.0.113.10');
  const fromB = () => createRoom(url!, tenant, uid('user'), '203.0.113.20');
  expect(await statuses([fromA, fromA, fromA, fromB])).toEqual([201, 201, 429, 201]);
});

it('with trust proxy off, a spoofed X-Forwarded-For does not change the bucket', async () => {
  const [url] = await instances(1, { ROOMS_ADDRESS_RATE_LIMIT_PER_MINUTE: '2' });
  const tenant = uid('tenant');
  const spoofing = (address: string) => () => createRoom(url!, tenant, uid('user'), address);
  expect(
    await statuses([spoofing('203.0.113.1'), spoofing('203.0.113.2'), spoofing('203.0.113.3')]),
  ).toEqual([201, 201, 429]);
});

it('holds a user’s limit across addresses, and answers Retry-After in whole seconds', async () => {
  const [url] = await instances(1, { ROOMS_TRUST_PROXY: '1', ROOMS_RATE_LIMIT_PER_MINUTE: '2' });
  const tenant = uid('tenant');
  const frank = uid('frank');
  await createRoom(url!, tenant, frank, '203.0.113.1');
  await createRoom(url!, tenant, frank, '203.0.113.2');
  const refused = await createRoom(url!, tenant, frank, '203.0.113.3');
  expect(refused.status).toBe(429);
  expect(refused.body).toMatchObject({ code: 'RATE_LIMITED' });
  const header = refused.headers.get('retry-after');
  expect(header).toMatch(/^\d+$/);
  expect(Number(header)).toBeGreaterThanOrEqual(1);
  expect(Number(header)).toBeLessThanOrEqual(60);
  expect(refused.body).toMatchObject({ details: { retryAfterSeconds: Number(header) } });
});
