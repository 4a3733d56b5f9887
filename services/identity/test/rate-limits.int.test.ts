import { randomUUID } from 'node:crypto';

import type { SessionTokens } from '@cascade/contracts';

import { IdentityApp, useIdentity } from './support/identity-harness';

/**
 * Identity's rate limits as replicas behind Traefik see them: counted in the shared Redis, per
 * client address as the trusted proxy hops tell it, and per account from any address.
 */
const h = useIdentity();
const TENANT = 'limits';
const started: IdentityApp[] = [];
let suites = 0;

beforeAll(() => h.createTenant(TENANT));
afterEach(async () => {
  await Promise.all(started.splice(0).map((app) => app.close()));
});

/** `count` identity instances sharing one Redis key prefix that no other test uses. */
async function instances(count: number, env: Record<string, string>): Promise<IdentityApp[]> {
  const prefix = `${h.infra().env['REDIS_KEY_PREFIX']}t${++suites}:`;
  const apps: IdentityApp[] = [];
  for (let i = 0; i < count; i++) {
    const app = await IdentityApp.start(h.env({ REDIS_KEY_PREFIX: prefix, ...env }));
    started.push(app);
    apps.push(app);
  }
  // Counted in Redis from the first request on, not in memory while the connection opens.
  for (const app of apps) await app.redisConnected();
  return apps;
}

const from = (address: string | undefined): Record<string, string> =>
  address === undefined ? {} : { 'x-forwarded-for': address };

/** A development sign-in (as a new user unless named) from `address` as a proxy would say. */
const signIn = (app: IdentityApp, address?: string, displayName = `User ${randomUUID()}`) =>
  app.post<SessionTokens>('/auth/dev', {
    body: { tenant: TENANT, displayName },
    headers: from(address),
  });

async function statuses(requests: Array<() => Promise<{ status: number }>>): Promise<number[]> {
  const result: number[] = [];
  for (const request of requests) result.push((await request()).status);
  return result;
}

it('counts one bucket for two instances on the same Redis: N replicas do not allow N times', async () => {
  const [a, b] = await instances(2, { IDENTITY_RATE_LIMIT_PER_MINUTE: '3' });
  expect(
    await statuses([() => signIn(a!), () => signIn(b!), () => signIn(a!), () => signIn(b!)]),
  ).toEqual([200, 200, 200, 429]);
});

it('behind one trusted proxy hop, counts clients with different X-Forwarded-For apart', async () => {
  const [app] = await instances(1, {
    IDENTITY_TRUST_PROXY: '1',
    IDENTITY_RATE_LIMIT_PER_MINUTE: '2',
  });
  const alice = () => signIn(app!, '203.0.113.10');
  const bob = () => signIn(app!, '203.0.113.20');
  expect(await statuses([alice, alice, alice, bob])).toEqual([200, 200, 429, 200]);
  // What a client writes before the hop Traefik appends is not believed.
  expect((await signIn(app!, '198.51.100.1, 203.0.113.10')).status).toBe(429);
});

it('with trust proxy off, a spoofed X-Forwarded-For does not change the bucket', async () => {
  const [app] = await instances(1, { IDENTITY_RATE_LIMIT_PER_MINUTE: '2' });
  expect(
    await statuses([
      () => signIn(app!, '203.0.113.1'),
      () => signIn(app!, '203.0.113.2'),
      () => signIn(app!, '203.0.113.3'),
    ]),
  ).toEqual([200, 200, 429]);
});

it('answers RATE_LIMITED with Retry-After in whole seconds', async () => {
  const [app] = await instances(1, { IDENTITY_RATE_LIMIT_PER_MINUTE: '1' });
  await app!.post('/auth/refresh', { body: { refreshToken: 'rt_x' } });
  const res = await app!.post<{ code: string; details: { retryAfterSeconds: number } }>(
    '/auth/refresh',
    { body: { refreshToken: 'rt_x' } },
  );
  expect(res.status).toBe(429);
  expect(res.body.code).toBe('RATE_LIMITED');
  const header = res.headers.get('retry-after');
  expect(header).toMatch(/^\d+$/);
  expect(Number(header)).toBeGreaterThanOrEqual(1);
  expect(Number(header)).toBeLessThanOrEqual(60);
  expect(res.body.details.retryAfterSeconds).toBe(Number(header));
});

it('limits sign-ins as one account from any number of addresses', async () => {
  const [app] = await instances(1, {
    IDENTITY_TRUST_PROXY: '1',
    IDENTITY_ACCOUNT_RATE_LIMIT_PER_MINUTE: '2',
  });
  const asCarol = (address: string) => () => signIn(app!, address, 'Carol');
  expect(
    await statuses([asCarol('203.0.113.1'), asCarol('203.0.113.2'), asCarol('203.0.113.3')]),
  ).toEqual([200, 200, 429]);
  expect((await signIn(app!, '203.0.113.4', 'Dave')).status).toBe(200);
});

it('limits the join tokens one user mints from any number of addresses', async () => {
  const [app] = await instances(1, {
    IDENTITY_TRUST_PROXY: '1',
    IDENTITY_ACCOUNT_RATE_LIMIT_PER_MINUTE: '2',
  });
  const { accessToken } = (await signIn(app!, '203.0.113.1')).body;
  const grants = { room: 'standup', join: true, publish: true, subscribe: true, admin: false };
  const mint = (address: string) => () =>
    app!.post('/join-tokens', { token: accessToken, body: { grants }, headers: from(address) });
  expect(await statuses([mint('203.0.113.5'), mint('203.0.113.6'), mint('203.0.113.7')])).toEqual([
    201, 201, 429,
  ]);
});

it('keeps limiting, in memory, while Redis does not answer, and stays ready', async () => {
  const app = await IdentityApp.start(
    h.env({ REDIS_URL: 'redis://127.0.0.1:1', IDENTITY_RATE_LIMIT_PER_MINUTE: '2' }),
  );
  started.push(app);
  expect(await statuses([() => signIn(app), () => signIn(app), () => signIn(app)])).toEqual([
    200, 200, 429,
  ]);
  const ready = await app.get('/readyz');
  expect(ready.status).toBe(200);
  expect(ready.body).toMatchObject({ checks: { redis: { ok: false, optional: true } } });
});
