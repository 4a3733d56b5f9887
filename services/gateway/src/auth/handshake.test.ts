import { generateKeyPairSync } from 'node:crypto';

import { CascadeError, PROTOCOL_VERSION } from '@cascade/contracts';
import { JwtVerifier } from '@cascade/server-kit';
import jwt from 'jsonwebtoken';

import {
  HandshakeAuthenticator,
  type ResumedIdentity,
  type UserConnectionAdmission,
} from './handshake';

const { publicKey, privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
const verifierFor = (audience: string) =>
  new JwtVerifier({
    keys: [publicKey.export({ type: 'spki', format: 'pem' }) as string],
    issuer: 'cascade-identity',
    audience,
  });
const verifiers = {
  joinTokens: verifierFor('cascade-join'),
  accessTokens: verifierFor('cascade-api'),
};
const grants = { room: 'standup', join: true, publish: true, subscribe: true, admin: false };
const token = (over: Record<string, unknown> = {}) =>
  jwt.sign({ sub: 'u_alice', tenant: 'acme', grants, name: 'Alice', ...over }, privateKey, {
    algorithm: 'RS256',
    issuer: 'cascade-identity',
    audience: 'cascade-join',
    expiresIn: 60,
  });
/** An access token as identity signs it at sign-in (audience `cascade-api`, 15 minutes). */
const accessToken = (over: Record<string, unknown> = {}, expiresIn = 900) =>
  jwt.sign(
    { sub: 'u_alice', tenant: 'acme', sid: 's_1', jti: 'j_1', role: 'member', ...over },
    privateKey,
    { algorithm: 'RS256', issuer: 'cascade-identity', audience: 'cascade-api', expiresIn },
  );

/** A cap of `limit` user connections, kept in memory; `taken` lists who got a slot. */
function slots(limit: number): UserConnectionAdmission & { taken: string[] } {
  const taken: string[] = [];
  return {
    limit,
    taken,
    acquire: async (identity, socketId) => {
      if (taken.length >= limit) return false;
      taken.push(`${identity.tenantId}/${identity.userId}/${socketId}`);
      return true;
    },
  };
}
const RESUME = 'r'.repeat(43);
const resumed: ResumedIdentity = {
  tenantId: 'acme',
  userId: 'u_alice',
  roomId: 'standup',
  grants,
  displayName: 'Alice',
  participantId: 'p_1',
  nodeId: 'n1',
  workerIndex: 0,
};

async function refusal(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof CascadeError) return error.code;
    throw error;
  }
  return 'accepted';
}

describe('handshake', () => {
  const live = new HandshakeAuthenticator(
    verifiers,
    async (t) => (t === RESUME ? resumed : undefined),
    slots(10),
  );
  const dead = new HandshakeAuthenticator(verifiers, async () => undefined, slots(10));

  it('binds a socket to the tenant, user, room and grants of its join token', async () => {
    const outcome = await live.authenticate(
      { protocolVersion: PROTOCOL_VERSION, token: token() },
      's1',
    );
    expect(outcome).toEqual({
      identity: {
        kind: 'room',
        tenantId: 'acme',
        userId: 'u_alice',
        roomId: 'standup',
        grants,
        displayName: 'Alice',
        token: { issuedAt: expect.any(Number), expiresAt: expect.any(Number) },
      },
    });
    const { token: facts } = outcome.identity as { token: { issuedAt: number; expiresAt: number } };
    expect(facts.expiresAt - facts.issuedAt).toBe(60_000);
  });

  it('keeps which credential minted the token (akid, sid), for revocations', async () => {
    const outcome = await live.authenticate(
      { protocolVersion: 1, token: token({ akid: 'key_1', sid: 'ses_1' }) },
      's1',
    );
    expect(outcome.identity).toMatchObject({
      token: { apiKeyId: 'key_1', signInSessionId: 'ses_1' },
    });
  });

  it('refuses a join token whose credential was revoked: UNAUTHENTICATED', async () => {
    const revokedKeys = new HandshakeAuthenticator(
      verifiers,
      async () => undefined,
      slots(10),
      undefined,
      async ({ token }) => (token?.apiKeyId === 'key_gone' ? 'api-key' : undefined),
    );
    expect(
      await refusal(
        revokedKeys.authenticate({ protocolVersion: 1, token: token({ akid: 'key_gone' }) }, 's1'),
      ),
    ).toBe('UNAUTHENTICATED');
    expect(
      await refusal(
        revokedKeys.authenticate({ protocolVersion: 1, token: token({ akid: 'key_ok' }) }, 's1'),
      ),
    ).toBe('accepted');
  });

  it('names the user by id when the token has no name', async () => {
    const outcome = await live.authenticate(
      { protocolVersion: 1, token: token({ name: undefined }) },
      's1',
    );
    expect(outcome.identity).toMatchObject({ kind: 'room', displayName: 'u_alice' });
  });

  it('refuses a protocol version it does not serve, before anything else', async () => {
    expect(await refusal(live.authenticate({ protocolVersion: 99 }, 's1'))).toBe(
      'UNSUPPORTED_PROTOCOL',
    );
  });

  it.each([
    ['no auth at all', undefined],
    ['no token', { protocolVersion: 1 }],
    ['a version that is not a number', { protocolVersion: '1', token: 'x' }],
    ['unknown fields', { protocolVersion: 1, token: 'a.b.c', tenant: 'evil' }],
    ['an array', [1]],
  ])('refuses a handshake with %s as INVALID_ARGUMENT', async (_name, auth) => {
    expect(await refusal(live.authenticate(auth, 's1'))).toBe('INVALID_ARGUMENT');
  });

  it('refuses a token without the join grant', async () => {
    const noJoin = token({ grants: { ...grants, join: false } });
    expect(await refusal(live.authenticate({ protocolVersion: 1, token: noJoin }, 's1'))).toBe(
      'FORBIDDEN',
    );
  });

  it('refuses a token that does not verify as UNAUTHENTICATED', async () => {
    const other = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey;
    const forged = jwt.sign({ sub: 'u', tenant: 'acme', grants }, other, {
      algorithm: 'RS256',
      issuer: 'cascade-identity',
      audience: 'cascade-join',
      expiresIn: 60,
    });
    expect(await refusal(live.authenticate({ protocolVersion: 1, token: forged }, 's1'))).toBe(
      'UNAUTHENTICATED',
    );
  });

  it('takes back a live session with its resume token, no join token needed', async () => {
    const outcome = await live.authenticate({ protocolVersion: 1, resumeToken: RESUME }, 's2');
    expect(outcome.resumed).toEqual(resumed);
    expect(outcome.identity).toMatchObject({ kind: 'room', tenantId: 'acme', roomId: 'standup' });
  });

  it('says the session expired when a dead resume token is all there is', async () => {
    expect(
      await refusal(dead.authenticate({ protocolVersion: 1, resumeToken: RESUME }, 's2')),
    ).toBe('NOT_FOUND');
  });

  it('falls back to the join token when the session is gone', async () => {
    const outcome = await dead.authenticate(
      { protocolVersion: 1, resumeToken: RESUME, token: token() },
      's2',
    );
    expect(outcome.resumed).toBeUndefined();
    expect(outcome.identity.userId).toBe('u_alice');
  });
});

describe('handshake with an access token (user connection)', () => {
  it('opens a user connection for the tenant and user of the token, in no room', async () => {
    const cap = slots(10);
    const auth = new HandshakeAuthenticator(verifiers, async () => undefined, cap);
    const outcome = await auth.authenticate(
      { protocolVersion: PROTOCOL_VERSION, accessToken: accessToken() },
      's1',
    );
    expect(outcome).toEqual({
      identity: { kind: 'user', tenantId: 'acme', userId: 'u_alice', signInSessionId: 's_1' },
    });
    expect(cap.taken).toEqual(['acme/u_alice/s1']);
  });

  it('refuses a join token offered as an access token, and the reverse: UNAUTHENTICATED', async () => {
    const cap = slots(10);
    const auth = new HandshakeAuthenticator(verifiers, async () => undefined, cap);
    expect(
      await refusal(auth.authenticate({ protocolVersion: 1, accessToken: token() }, 's1')),
    ).toBe('UNAUTHENTICATED');
    expect(
      await refusal(auth.authenticate({ protocolVersion: 1, token: accessToken() }, 's1')),
    ).toBe('UNAUTHENTICATED');
    expect(cap.taken).toEqual([]);
  });

  it('refuses an expired access token: UNAUTHENTICATED', async () => {
    const expired = accessToken({ iat: Math.floor(Date.now() / 1000) - 1_000 }, -60);
    expect(
      await refusal(live().authenticate({ protocolVersion: 1, accessToken: expired }, 's1')),
    ).toBe('UNAUTHENTICATED');
  });

  it('refuses access token claims that are not identity’s (no session id): UNAUTHENTICATED', async () => {
    expect(
      await refusal(
        live().authenticate(
          { protocolVersion: 1, accessToken: accessToken({ sid: undefined }) },
          's1',
        ),
      ),
    ).toBe('UNAUTHENTICATED');
  });

  it('refuses an access token together with a join or resume token: INVALID_ARGUMENT', async () => {
    const both = { protocolVersion: 1, accessToken: accessToken(), token: token() };
    expect(await refusal(live().authenticate(both, 's1'))).toBe('INVALID_ARGUMENT');
    const withResume = { protocolVersion: 1, accessToken: accessToken(), resumeToken: RESUME };
    expect(await refusal(live().authenticate(withResume, 's1'))).toBe('INVALID_ARGUMENT');
  });

  it('refuses a user connection past the cap with RATE_LIMITED and the limit', async () => {
    const auth = new HandshakeAuthenticator(verifiers, async () => undefined, slots(2));
    const open = (id: string) =>
      auth.authenticate({ protocolVersion: 1, accessToken: accessToken() }, id);
    await open('s1');
    await open('s2');
    await expect(open('s3')).rejects.toMatchObject({ code: 'RATE_LIMITED', details: { limit: 2 } });
  });

  function live() {
    return new HandshakeAuthenticator(verifiers, async () => undefined, slots(10));
  }
});

describe('handshake rate per client address', () => {
  it('counts every attempt from the address before looking at it, and refuses past the limit', async () => {
    const counted: string[] = [];
    const auth = new HandshakeAuthenticator(verifiers, async () => undefined, slots(10), {
      hit: async (address) => {
        counted.push(address);
        if (counted.length > 1) {
          throw new CascadeError('RATE_LIMITED', 'too many', { retryAfterSeconds: 30 });
        }
      },
    });
    expect(await refusal(auth.authenticate({ protocolVersion: 99 }, 's1', '203.0.113.7'))).toBe(
      'UNSUPPORTED_PROTOCOL',
    );
    expect(
      await refusal(auth.authenticate({ protocolVersion: 1, token: token() }, 's2', '203.0.113.7')),
    ).toBe('RATE_LIMITED');
    expect(counted).toEqual(['203.0.113.7', '203.0.113.7']);
  });
});
