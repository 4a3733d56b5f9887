import { generateKeyPairSync } from 'node:crypto';

import { CascadeError, PROTOCOL_VERSION } from '@cascade/contracts';
import { JwtVerifier } from '@cascade/server-kit';
import jwt from 'jsonwebtoken';

import { HandshakeAuthenticator, type ResumedIdentity } from './handshake';

const { publicKey, privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
const verifier = new JwtVerifier({
  keys: [publicKey.export({ type: 'spki', format: 'pem' }) as string],
  issuer: 'cascade-identity',
  audience: 'cascade-join',
});
const grants = { room: 'standup', join: true, publish: true, subscribe: true, admin: false };
const token = (over: Record<string, unknown> = {}) =>
  jwt.sign({ sub: 'u_alice', tenant: 'acme', grants, name: 'Alice', ...over }, privateKey, {
    algorithm: 'RS256',
    issuer: 'cascade-identity',
    audience: 'cascade-join',
    expiresIn: 60,
  });
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
  const live = new HandshakeAuthenticator(verifier, async (t) =>
    t === RESUME ? resumed : undefined,
  );
  const dead = new HandshakeAuthenticator(verifier, async () => undefined);

  it('binds a socket to the tenant, user, room and grants of its join token', async () => {
    const outcome = await live.authenticate(
      { protocolVersion: PROTOCOL_VERSION, token: token() },
      's1',
    );
    expect(outcome).toEqual({
      identity: {
        tenantId: 'acme',
        userId: 'u_alice',
        roomId: 'standup',
        grants,
        displayName: 'Alice',
      },
    });
  });

  it('names the user by id when the token has no name', async () => {
    const outcome = await live.authenticate(
      { protocolVersion: 1, token: token({ name: undefined }) },
      's1',
    );
    expect(outcome.identity.displayName).toBe('u_alice');
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
    expect(outcome.identity.tenantId).toBe('acme');
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
