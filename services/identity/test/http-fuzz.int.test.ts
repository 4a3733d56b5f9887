import { generateKeyPairSync } from 'node:crypto';

import type { CreatedApiKey, SessionTokens } from '@cascade/contracts';
import jwt from 'jsonwebtoken';

import { ADMIN_TOKEN, useIdentity } from './support/identity-harness';
import { type OpenApiDocument, fuzzOperations, operationsOf } from '@cascade/testing';

const h = useIdentity();

/** Tokens that identity must refuse: unsigned, signed by a stranger, malformed, other schemes. */
function forgedCredentials(claims: SessionTokens): string[] {
  const stranger = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({
    type: 'pkcs8',
    format: 'pem',
  }) as string;
  const payload = { sub: claims.user.id, tenant: claims.user.tenantId, sid: 's', jti: 'j' };
  const unsigned = [
    Buffer.from(JSON.stringify({ alg: 'none', typ: 'JWT' })).toString('base64url'),
    Buffer.from(JSON.stringify(payload)).toString('base64url'),
    '',
  ].join('.');
  return [
    '',
    'Bearer',
    'Bearer ',
    'Bearer garbage',
    'Bearer a.b.c',
    `Bearer ${unsigned}`,
    `Bearer ${jwt.sign(payload, stranger, { algorithm: 'RS256', keyid: 'k1', expiresIn: 600 })}`,
    `Bearer ${claims.accessToken.slice(0, -4)}AAAA`,
    `Bearer ${ADMIN_TOKEN.slice(0, -1)}x`,
    'Basic dXNlcjpwYXNzd29yZA==',
    'ApiKey garbage',
    'ApiKey 00000000-0000-0000-0000-000000000000.c2VjcmV0',
    `Bearer ${'A'.repeat(6_000)}`,
  ];
}

describe('every HTTP endpoint of identity, fuzzed from its own OpenAPI document', () => {
  it('answers thousands of bad requests with a typed 4xx and writes nothing', async () => {
    const tenant = await h.createTenant('fuzz');
    const admin = await h.signIn('fuzz', 'Fuzz admin');
    await h.makeAdmin(tenant.id, admin.user.id);
    const key = await h
      .app()
      .post<CreatedApiKey>('/api-keys', { token: admin.accessToken, body: { name: 'fuzz' } });
    expect(key.status).toBe(201);

    const doc = await h.app().get<OpenApiDocument>('/docs-json');
    expect(doc.status).toBe(200);
    const operations = operationsOf(doc.body);
    expect(operations.length).toBeGreaterThan(20);

    const valid: Record<string, string> = {
      'access-token': `Bearer ${admin.accessToken}`,
      'admin-token': `Bearer ${ADMIN_TOKEN}`,
      'api-key': `ApiKey ${key.body.key}`,
    };
    const result = await fuzzOperations({
      baseUrl: h.app().url,
      operations,
      credentials: { valid: (scheme) => valid[scheme], invalid: forgedCredentials(admin) },
      pathDefaults: { tenantId: tenant.id, userId: admin.user.id, keyId: key.body.id },
      db: h.db(),
      numRuns: 80,
    });
    // Every operation that takes credentials, a body or a path parameter is fuzzed; the few left
    // (health, metrics, public keys, sign-in methods) only get junk.
    expect(result.fuzzed.length + result.noise.length).toBe(operations.length);
    expect(result.fuzzed.length).toBeGreaterThanOrEqual(operations.length - 6);
    expect(result.requests).toBeGreaterThan(2_000);
  }, 240_000);
});
