import { generateKeyPairSync } from 'node:crypto';

import jwt from 'jsonwebtoken';

import { AUDIENCE, ISSUER, accessToken, uid, useRoomsApp } from './support/harness';
import { type OpenApiDocument, fuzzOperations, operationsOf } from '@cascade/testing';

const rooms = useRoomsApp({
  // One user sends every request: the per-user limit must not answer before validation does.
  ROOMS_RATE_LIMIT_PER_MINUTE: '100000',
});

/** Tokens that rooms must refuse: unsigned, signed by a stranger, foreign, expired, malformed. */
function forgedCredentials(tenant: string, user: string): string[] {
  const stranger = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({
    type: 'pkcs8',
    format: 'pem',
  }) as string;
  const claims = { iss: ISSUER, aud: AUDIENCE, sub: user, tenant, sid: 's', jti: 'j' };
  const unsigned = [
    Buffer.from(JSON.stringify({ alg: 'none', typ: 'JWT' })).toString('base64url'),
    Buffer.from(JSON.stringify(claims)).toString('base64url'),
    '',
  ].join('.');
  const hour = Math.floor(Date.now() / 1000) - 3_600;
  return [
    '',
    'Bearer',
    'Bearer ',
    'Bearer garbage',
    'Bearer a.b.c',
    `Bearer ${unsigned}`,
    `Bearer ${jwt.sign(claims, stranger, { algorithm: 'RS256', keyid: 'test', expiresIn: 600 })}`,
    `Bearer ${accessToken(tenant, user, { iss: 'https://evil.test' })}`,
    `Bearer ${accessToken(tenant, user, { aud: 'someone-else' })}`,
    `Bearer ${accessToken(tenant, user, { iat: hour - 900, nbf: hour + 7_200 })}`,
    `Bearer ${accessToken(tenant, user).slice(0, -4)}AAAA`,
    'Basic dXNlcjpwYXNzd29yZA==',
    'ApiKey 00000000-0000-0000-0000-000000000000.c2VjcmV0',
    `Bearer ${'A'.repeat(6_000)}`,
  ];
}

describe('every HTTP endpoint of rooms, fuzzed from its own OpenAPI document', () => {
  it('answers thousands of bad requests with a typed 4xx and writes nothing', async () => {
    const tenant = uid('fuzz-tenant');
    const owner = rooms().client(tenant, uid('owner'));
    const guest = rooms().client(tenant, uid('guest'));
    const room = await owner.createRoom({ visibility: 'private' });

    const res = await fetch(`${rooms().url}/docs-json`);
    expect(res.status).toBe(200);
    const operations = operationsOf((await res.json()) as OpenApiDocument);
    expect(operations.length).toBeGreaterThan(15);

    const token = `Bearer ${accessToken(tenant, owner.userId)}`;
    const result = await fuzzOperations({
      baseUrl: rooms().url,
      operations,
      credentials: {
        valid: (scheme) => (scheme === 'bearer' ? token : undefined),
        invalid: forgedCredentials(tenant, owner.userId),
      },
      pathDefaults: { roomId: room.id as string, userId: guest.userId },
      db: rooms().db,
      numRuns: 80,
    });
    // Every operation that takes credentials, a body or a path parameter is fuzzed; the few left
    // (health, metrics) only get junk.
    expect(result.fuzzed.length + result.noise.length).toBe(operations.length);
    expect(result.fuzzed.length).toBeGreaterThanOrEqual(operations.length - 3);
    expect(result.requests).toBeGreaterThan(1_500);
  }, 240_000);
});
