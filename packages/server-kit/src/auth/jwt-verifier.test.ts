import { type KeyObject, createHmac, generateKeyPairSync, sign } from 'node:crypto';

import { CascadeError } from '@cascade/contracts';
import { z } from 'zod';

import { JwtVerifier, type JwtVerifierOptions, type PublicJwk } from './jwt-verifier';

const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 });
const rsa2 = generateKeyPairSync('rsa', { modulusLength: 2048 });
const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' });

const NOW = 1_700_000_000_000;
const nowSec = NOW / 1000;
const Claims = z.object({ sub: z.string(), tenant: z.string() });

const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');

function signToken(
  header: Record<string, unknown>,
  payload: Record<string, unknown>,
  key: KeyObject,
): string {
  const data = `${b64(header)}.${b64(payload)}`;
  const alg = header['alg'];
  const signature =
    alg === 'ES256'
      ? sign('sha256', Buffer.from(data), { key, dsaEncoding: 'ieee-p1363' })
      : sign('sha256', Buffer.from(data), key);
  return `${data}.${signature.toString('base64url')}`;
}

const goodPayload = (over: Record<string, unknown> = {}) => ({
  sub: 'user-1',
  tenant: 'acme',
  iss: 'https://identity.test',
  aud: 'cascade',
  iat: nowSec - 10,
  exp: nowSec + 600,
  ...over,
});

const jwk = (key: KeyObject, kid: string, extra: Record<string, unknown> = {}): PublicJwk => ({
  ...(key.export({ format: 'jwk' }) as PublicJwk),
  kid,
  use: 'sig',
  ...extra,
});

function verifier(over: Partial<JwtVerifierOptions> = {}): JwtVerifier {
  return new JwtVerifier({
    keys: [rsa.publicKey.export({ type: 'spki', format: 'pem' }) as string],
    issuer: 'https://identity.test',
    audience: 'cascade',
    now: () => NOW,
    ...over,
  });
}

async function rejection(promise: Promise<unknown>): Promise<CascadeError> {
  try {
    await promise;
  } catch (error) {
    expect(error).toBeInstanceOf(CascadeError);
    expect((error as CascadeError).code).toBe('UNAUTHENTICATED');
    return error as CascadeError;
  }
  throw new Error('expected a rejection');
}

function fakeJwks(keys: () => PublicJwk[]) {
  const calls: string[] = [];
  const fetchFn = (async (url: string) => {
    calls.push(url);
    return new Response(JSON.stringify({ keys: keys() }), {
      headers: { 'content-type': 'application/json' },
    });
  }) as unknown as typeof fetch;
  return { calls, fetchFn };
}

describe('JwtVerifier', () => {
  it('accepts a valid RS256 token signed by a configured PEM key and returns parsed claims', async () => {
    const token = signToken({ alg: 'RS256', typ: 'JWT' }, goodPayload(), rsa.privateKey);
    await expect(verifier().verify(token, Claims)).resolves.toEqual({
      sub: 'user-1',
      tenant: 'acme',
    });
  });

  it('accepts a valid ES256 token signed by a configured JWK', async () => {
    const token = signToken({ alg: 'ES256', kid: 'ec1' }, goodPayload(), ec.privateKey);
    const v = verifier({ keys: [jwk(ec.publicKey, 'ec1')] });
    await expect(v.verify(token, Claims)).resolves.toMatchObject({ sub: 'user-1' });
  });

  it('rejects alg none', async () => {
    const token = `${b64({ alg: 'none' })}.${b64(goodPayload())}.`;
    const error = await rejection(verifier().verify(token, Claims));
    expect(error.message).toMatch(/algorithm "none" is not accepted/);
  });

  it('rejects HS256 signed with the public key as the secret (algorithm confusion)', async () => {
    const pem = rsa.publicKey.export({ type: 'spki', format: 'pem' }) as string;
    const data = `${b64({ alg: 'HS256' })}.${b64(goodPayload())}`;
    const mac = createHmac('sha256', pem).update(data).digest('base64url');
    const error = await rejection(verifier().verify(`${data}.${mac}`, Claims));
    // Refused for its algorithm, before any key is tried: not for a signature that did not match.
    expect(error.message).toBe('token algorithm "HS256" is not accepted (accepted: RS256, ES256)');
  });

  it('rejects an ES256 header when only an RSA key is configured', async () => {
    const token = signToken({ alg: 'ES256' }, goodPayload(), ec.privateKey);
    const error = await rejection(verifier().verify(token, Claims));
    expect(error.message).toMatch(/no key can verify/);
  });

  it('rejects an algorithm that is not configured', async () => {
    const token = signToken({ alg: 'RS256' }, goodPayload(), rsa.privateKey);
    const error = await rejection(verifier({ algorithms: ['ES256'] }).verify(token, Claims));
    expect(error.message).toBe('token algorithm "RS256" is not accepted (accepted: ES256)');
  });

  it('rejects a token signed by another key', async () => {
    const token = signToken({ alg: 'RS256' }, goodPayload(), rsa2.privateKey);
    const error = await rejection(verifier().verify(token, Claims));
    expect(error.message).toBe('invalid token signature');
  });

  it('rejects a token whose payload was changed after signing', async () => {
    const token = signToken({ alg: 'RS256' }, goodPayload(), rsa.privateKey);
    const [h, , s] = token.split('.');
    const forged = `${h}.${b64(goodPayload({ tenant: 'other' }))}.${s}`;
    await rejection(verifier().verify(forged, Claims));
  });

  it.each([
    ['expired', { exp: nowSec - 60 }, /expired/],
    ['without exp', { exp: undefined }, /no expiry/],
    ['not yet valid', { nbf: nowSec + 120 }, /not valid yet/],
    ['from another issuer', { iss: 'https://evil.test' }, /issuer/],
    ['for another audience', { aud: 'other' }, /audience/],
  ])('rejects a token %s', async (_name, over, message) => {
    const token = signToken({ alg: 'RS256' }, goodPayload(over), rsa.privateKey);
    const error = await rejection(verifier().verify(token, Claims));
    expect(error.message).toMatch(message);
  });

  it('accepts an audience array containing a configured audience', async () => {
    const token = signToken(
      { alg: 'RS256' },
      goodPayload({ aud: ['x', 'cascade'] }),
      rsa.privateKey,
    );
    await expect(verifier().verify(token, Claims)).resolves.toBeDefined();
  });

  it('tolerates a little clock skew on exp', async () => {
    const token = signToken({ alg: 'RS256' }, goodPayload({ exp: nowSec - 2 }), rsa.privateKey);
    await expect(verifier().verify(token, Claims)).resolves.toBeDefined();
  });

  it('rejects claims that do not match the schema with their field paths', async () => {
    const token = signToken({ alg: 'RS256' }, goodPayload({ tenant: 42 }), rsa.privateKey);
    const error = await rejection(verifier().verify(token, Claims));
    expect(error.details).toEqual({ issues: [expect.objectContaining({ path: 'tenant' })] });
  });

  it.each(['', 'abc', 'a.b', 'a.b.c.d', '!!.??.##', `${b64([1])}.${b64({})}.x`])(
    'rejects the malformed token %j',
    async (token) => {
      await rejection(verifier().verify(token, Claims));
    },
  );

  describe('with a JWKS endpoint', () => {
    it('fetches the keys once and caches them', async () => {
      const { calls, fetchFn } = fakeJwks(() => [jwk(rsa.publicKey, 'k1')]);
      const v = verifier({ keys: undefined, jwksUrl: 'http://idp/jwks', fetch: fetchFn });
      const token = signToken({ alg: 'RS256', kid: 'k1' }, goodPayload(), rsa.privateKey);
      await v.verify(token, Claims);
      await v.verify(token, Claims);
      expect(calls).toEqual(['http://idp/jwks']);
    });

    it('refreshes on an unknown kid, at most once per interval', async () => {
      let published = [jwk(rsa.publicKey, 'k1')];
      const { calls, fetchFn } = fakeJwks(() => published);
      let now = NOW;
      const v = verifier({
        keys: undefined,
        jwksUrl: 'http://idp/jwks',
        fetch: fetchFn,
        now: () => now,
        jwksMinRefreshIntervalMs: 30_000,
      });
      await v.verify(signToken({ alg: 'RS256', kid: 'k1' }, goodPayload(), rsa.privateKey), Claims);

      const rotated = signToken({ alg: 'RS256', kid: 'k2' }, goodPayload(), rsa2.privateKey);
      // Within the interval: no new fetch, the kid stays unknown.
      await rejection(v.verify(rotated, Claims));
      expect(calls).toHaveLength(1);

      published = [jwk(rsa.publicKey, 'k1'), jwk(rsa2.publicKey, 'k2')];
      now += 31_000;
      await expect(v.verify(rotated, Claims)).resolves.toBeDefined();
      expect(calls).toHaveLength(2);
      // Unknown kids again right away do not trigger another fetch.
      const unknown = signToken({ alg: 'RS256', kid: 'k3' }, goodPayload(), rsa2.privateKey);
      const error = await rejection(v.verify(unknown, Claims));
      expect(error.message).toBe('unknown signing key k3');
      expect(calls).toHaveLength(2);
    });

    it('ignores a JWK whose alg differs from the token header', async () => {
      const { fetchFn } = fakeJwks(() => [jwk(rsa.publicKey, 'k1', { alg: 'RS512' })]);
      const v = verifier({ keys: undefined, jwksUrl: 'http://idp/jwks', fetch: fetchFn });
      const token = signToken({ alg: 'RS256', kid: 'k1' }, goodPayload(), rsa.privateKey);
      await rejection(v.verify(token, Claims));
    });

    it('fails as UNAUTHENTICATED when the JWKS cannot be fetched', async () => {
      const fetchFn = (async () => {
        throw new Error('connection refused');
      }) as unknown as typeof fetch;
      const v = verifier({ keys: undefined, jwksUrl: 'http://idp/jwks', fetch: fetchFn });
      const token = signToken({ alg: 'RS256', kid: 'k1' }, goodPayload(), rsa.privateKey);
      const error = await rejection(v.verify(token, Claims));
      expect(error.message).toMatch(/signing keys unavailable/);
    });

    it('keeps using cached keys when a later refresh fails', async () => {
      let fail = false;
      let now = NOW;
      const fetchFn = (async () => {
        if (fail) throw new Error('down');
        return new Response(JSON.stringify({ keys: [jwk(rsa.publicKey, 'k1')] }));
      }) as unknown as typeof fetch;
      const v = verifier({
        keys: undefined,
        jwksUrl: 'http://idp/jwks',
        fetch: fetchFn,
        now: () => now,
        jwksMaxAgeMs: 1_000,
      });
      const token = signToken({ alg: 'RS256', kid: 'k1' }, goodPayload(), rsa.privateKey);
      await v.verify(token, Claims);
      fail = true;
      now += 60_000;
      await expect(
        v.verify(
          signToken(
            { alg: 'RS256', kid: 'k1' },
            goodPayload({ iat: now / 1000, exp: now / 1000 + 60 }),
            rsa.privateKey,
          ),
          Claims,
        ),
      ).resolves.toBeDefined();
    });
  });

  it('refuses to be built without keys', () => {
    expect(() => new JwtVerifier({ issuer: 'i', audience: 'a' })).toThrow(/jwksUrl or at least/);
  });
});
