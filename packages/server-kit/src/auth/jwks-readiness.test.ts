import { generateKeyPairSync } from 'node:crypto';

import { JwksKeySource } from './jwks-key-source';
import { judgeJwks, jwksReadinessCheck, jwksRefreshTimings } from './jwks-readiness';

const URL = 'http://identity/.well-known/jwks.json';
const LIMIT = 60_000;
const T0 = 1_700_000_000_000;
const publicJwk = {
  ...(generateKeyPairSync('ec', { namedCurve: 'P-256' }).publicKey.export({ format: 'jwk' }) as {
    kty: string;
  }),
  kid: 'k1',
  use: 'sig',
};

/** An identity whose JWKS endpoint can go down and come back, behind a fake clock. */
function fakeIdentity() {
  const clock = { now: T0 };
  const identity = { up: true, fetches: 0 };
  const fetchFn = (async () => {
    identity.fetches++;
    if (!identity.up) throw new Error('connect ECONNREFUSED');
    return new Response(JSON.stringify({ keys: [publicJwk] }));
  }) as unknown as typeof fetch;
  const source = new JwksKeySource({
    url: URL,
    ...jwksRefreshTimings(LIMIT),
    now: () => clock.now,
    fetch: fetchFn,
  });
  const check = jwksReadinessCheck(source, { maxStalenessMs: LIMIT, now: () => clock.now });
  /** Lets a background refresh finish. */
  const settle = () => new Promise((resolve) => setImmediate(resolve));
  return { clock, identity, source, check, settle };
}

describe('judgeJwks', () => {
  const status = (over: Partial<ReturnType<JwksKeySource['status']>> = {}) => ({
    url: URL,
    fetchedAt: T0,
    keyCount: 1,
    lastAttemptAt: T0,
    lastError: undefined,
    ...over,
  });

  it('is ready on keys fetched within the limit, whatever the last attempt said', () => {
    expect(judgeJwks(status(), T0 + LIMIT, LIMIT)).toEqual({ ready: true });
    expect(judgeJwks(status({ lastError: 'connect ECONNREFUSED' }), T0 + 1, LIMIT)).toEqual({
      ready: true,
    });
  });

  it('is not ready before any key was fetched, and says why', () => {
    expect(
      judgeJwks(status({ fetchedAt: undefined, lastError: 'JWKS answered 503' }), T0, LIMIT),
    ).toEqual({
      ready: false,
      reason: `no signing keys fetched yet from ${URL}: JWKS answered 503`,
    });
  });

  it('is not ready once the keys are older than the limit', () => {
    const verdict = judgeJwks(status({ lastError: 'timeout' }), T0 + LIMIT + 1, LIMIT);
    expect(verdict).toEqual({
      ready: false,
      reason: `signing keys are stale: fetched ${LIMIT + 1} ms ago, over the ${LIMIT} ms limit: timeout`,
    });
  });
});

describe('jwksRefreshTimings', () => {
  it.each([5_000, 60_000, 3_600_000, 86_400_000])(
    'refreshes at least three times before a %i ms limit',
    (limit) => {
      const { maxAgeMs, minRefreshIntervalMs } = jwksRefreshTimings(limit);
      expect(maxAgeMs * 3).toBeLessThanOrEqual(limit);
      expect(minRefreshIntervalMs).toBeLessThanOrEqual(maxAgeMs);
      expect(maxAgeMs).toBeLessThanOrEqual(10 * 60_000);
      expect(minRefreshIntervalMs).toBeLessThanOrEqual(30_000);
    },
  );
});

describe('jwksReadinessCheck', () => {
  it('is not ready until the keys were fetched once, and fetches them itself', async () => {
    const { identity, source, check } = fakeIdentity();
    identity.up = false;
    await expect(check.check()).rejects.toThrow(/no signing keys fetched yet.*ECONNREFUSED/);
    identity.up = true;
    await expect(check.check()).resolves.toBeUndefined();
    expect(source.status().keyCount).toBe(1);
  });

  it('stays ready on cached keys while identity is down, without waiting for it', async () => {
    const { clock, identity, check } = fakeIdentity();
    await check.check();
    identity.up = false;
    const fetchesBefore = identity.fetches;
    for (let t = 0; t <= LIMIT; t += 5_000) {
      clock.now = T0 + t;
      await expect(check.check()).resolves.toBeUndefined();
    }
    // Probes every 5 s tried a few background refreshes, not one each.
    const tries = identity.fetches - fetchesBefore;
    expect(tries).toBeGreaterThanOrEqual(1);
    expect(tries).toBeLessThanOrEqual(LIMIT / jwksRefreshTimings(LIMIT).minRefreshIntervalMs);
  });

  it('does not fetch on a probe while the keys are fresh', async () => {
    const { clock, identity, check } = fakeIdentity();
    await check.check();
    clock.now = T0 + 1_000;
    await check.check();
    await check.check();
    expect(identity.fetches).toBe(1);
  });

  it('keeps the keys fresh through background refreshes while identity answers', async () => {
    const { clock, check, settle } = fakeIdentity();
    await check.check();
    for (let t = 5_000; t <= 10 * LIMIT; t += 5_000) {
      clock.now = T0 + t;
      await expect(check.check()).resolves.toBeUndefined();
      await settle();
    }
  });

  it('becomes not ready when the keys go stale beyond the limit', async () => {
    const { clock, identity, check, settle } = fakeIdentity();
    await check.check();
    identity.up = false;
    clock.now = T0 + LIMIT - 1;
    await check.check();
    await settle();
    clock.now = T0 + LIMIT + 1;
    await expect(check.check()).rejects.toThrow(/signing keys are stale.*ECONNREFUSED/);
  });

  it('is ready again at the first probe after identity returns', async () => {
    const { clock, identity, check } = fakeIdentity();
    await check.check();
    identity.up = false;
    clock.now = T0 + 2 * LIMIT;
    await expect(check.check()).rejects.toThrow(/stale/);
    identity.up = true;
    clock.now += 1;
    await expect(check.check()).resolves.toBeUndefined();
  });

  it('is named jwks unless told otherwise', () => {
    const { source } = fakeIdentity();
    expect(jwksReadinessCheck(source, { maxStalenessMs: LIMIT }).name).toBe('jwks');
    expect(jwksReadinessCheck(source, { maxStalenessMs: LIMIT, name: 'keys' }).name).toBe('keys');
  });
});
