import { createPublicKey } from 'node:crypto';

import { AccessTokenClaims, type Jwks } from '@cascade/contracts';
import jwt from 'jsonwebtoken';

import { IdentityApp, TEST_KEYS, useIdentity } from './support/identity-harness';

const h = useIdentity();

async function jwks(app: IdentityApp): Promise<Jwks> {
  const res = await app.get<Jwks>('/.well-known/jwks.json');
  expect(res.status).toBe(200);
  return res.body;
}

/** Verifies like a stranger would: jsonwebtoken and the published JWK of the token's kid. */
function verifyIndependently(token: string, keys: Jwks): jwt.JwtPayload {
  const header = jwt.decode(token, { complete: true })?.header;
  const jwk = keys.keys.find((k) => k.kid === header?.kid);
  if (!jwk) throw new Error(`kid ${header?.kid} is not published`);
  const key = createPublicKey({ key: jwk as never, format: 'jwk' });
  return jwt.verify(token, key, {
    algorithms: ['RS256', 'ES256'],
    issuer: 'cascade-identity',
    audience: 'cascade-api',
  }) as jwt.JwtPayload;
}

describe('signing keys', () => {
  beforeAll(async () => {
    await h.createTenant('keys');
  });

  it('publishes the public key with kid, alg and use, and no private part', async () => {
    const { keys } = await jwks(h.app());
    expect(keys).toEqual([
      expect.objectContaining({ kid: 'k1', alg: 'RS256', use: 'sig', kty: 'RSA' }),
    ]);
    expect(keys[0]).not.toHaveProperty('d');
  });

  it('signs access tokens that an independent verifier accepts with the JWKS', async () => {
    const session = await h.signIn('keys', 'Ada');
    expect(jwt.decode(session.accessToken, { complete: true })?.header).toMatchObject({
      alg: 'RS256',
      kid: 'k1',
    });
    const claims = AccessTokenClaims.parse(
      verifyIndependently(session.accessToken, await jwks(h.app())),
    );
    expect(claims).toMatchObject({ sub: session.user.id, tenant: session.user.tenantId });
    expect(claims.exp - claims.iat).toBe(900);
  });

  it('rotates without downtime: after the active key changes, old tokens still verify', async () => {
    const before = await h.signIn('keys', 'Grace');
    const rotated = await IdentityApp.start(
      h.env({
        IDENTITY_SIGNING_KEYS: JSON.stringify({ k1: TEST_KEYS.k1, k2: TEST_KEYS.k2 }),
        IDENTITY_ACTIVE_KEY_ID: 'k2',
      }),
    );
    try {
      const published = await jwks(rotated);
      expect(published.keys.map((k) => [k.kid, k.alg])).toEqual([
        ['k1', 'RS256'],
        ['k2', 'ES256'],
      ]);
      const after = await rotated.post<{ accessToken: string }>('/auth/refresh', {
        body: { refreshToken: before.refreshToken },
      });
      expect(after.status).toBe(200);
      expect(jwt.decode(after.body.accessToken, { complete: true })?.header).toMatchObject({
        alg: 'ES256',
        kid: 'k2',
      });
      expect(verifyIndependently(after.body.accessToken, published).sub).toBe(before.user.id);
      // The token signed by the retired key is still accepted by the rotated service.
      expect(verifyIndependently(before.accessToken, published).sub).toBe(before.user.id);
      const me = await rotated.get('/me', { token: before.accessToken });
      expect(me.status).toBe(200);
    } finally {
      await rotated.close();
    }
  });
});
