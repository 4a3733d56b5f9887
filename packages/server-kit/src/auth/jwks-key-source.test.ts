import { generateKeyPairSync, sign } from 'node:crypto';

import { z } from 'zod';

import { JwksKeySource } from './jwks-key-source';
import { JwtVerifier } from './jwt-verifier';

const T0 = 1_700_000_000_000;
const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 });
const jwks = JSON.stringify({
  keys: [{ ...(rsa.publicKey.export({ format: 'jwk' }) as object), kid: 'k1', use: 'sig' }],
});

function fakeEndpoint() {
  const endpoint = { up: true, fetches: 0 };
  const fetchFn = (async () => {
    endpoint.fetches++;
    if (!endpoint.up) throw new Error('connect ECONNREFUSED');
    return new Response(jwks);
  }) as unknown as typeof fetch;
  return { endpoint, fetchFn };
}

const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
function token(aud: string): string {
  const data = `${b64({ alg: 'RS256', kid: 'k1' })}.${b64({ iss: 'idp', aud, exp: T0 / 1000 + 600 })}`;
  return `${data}.${sign('sha256', Buffer.from(data), rsa.privateKey).toString('base64url')}`;
}

describe('JwksKeySource', () => {
  it('serves verifiers of several audiences from one fetch', async () => {
    const { endpoint, fetchFn } = fakeEndpoint();
    const source = new JwksKeySource({ url: 'http://idp/jwks', fetch: fetchFn, now: () => T0 });
    const join = new JwtVerifier({ jwks: source, issuer: 'idp', audience: 'join', now: () => T0 });
    const api = new JwtVerifier({ jwks: source, issuer: 'idp', audience: 'api', now: () => T0 });
    await join.verify(token('join'), z.object({}));
    await api.verify(token('api'), z.object({}));
    expect(endpoint.fetches).toBe(1);
  });

  it('records when the keys were fetched, and why the last attempt failed', async () => {
    const { endpoint, fetchFn } = fakeEndpoint();
    let now = T0;
    const source = new JwksKeySource({ url: 'http://idp/jwks', fetch: fetchFn, now: () => now });
    expect(source.status()).toMatchObject({ fetchedAt: undefined, keyCount: 0 });
    await source.refresh();
    endpoint.up = false;
    now += 5_000;
    await expect(source.refresh()).rejects.toThrow('ECONNREFUSED');
    expect(source.status()).toEqual({
      url: 'http://idp/jwks',
      fetchedAt: T0,
      keyCount: 1,
      lastAttemptAt: T0 + 5_000,
      lastError: 'connect ECONNREFUSED',
    });
  });

  it('refreshes in the background only when the keys are due, at most once per interval', async () => {
    const { endpoint, fetchFn } = fakeEndpoint();
    let now = T0;
    const source = new JwksKeySource({
      url: 'http://idp/jwks',
      fetch: fetchFn,
      now: () => now,
      maxAgeMs: 10_000,
      minRefreshIntervalMs: 4_000,
    });
    await source.refresh();
    now += 9_999;
    expect(source.refreshIfDue()).toBe(false);
    endpoint.up = false;
    now += 1;
    expect(source.refreshIfDue()).toBe(true);
    await new Promise((resolve) => setImmediate(resolve));
    now += 3_999;
    expect(source.refreshIfDue()).toBe(false);
    now += 1;
    expect(source.refreshIfDue()).toBe(true);
    await new Promise((resolve) => setImmediate(resolve));
    expect(endpoint.fetches).toBe(3);
    expect(source.status().fetchedAt).toBe(T0);
  });
});
