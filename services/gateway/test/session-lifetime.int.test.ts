import { wireJson } from '@cascade/contracts';
import type { CredentialRevokedEvent } from '@cascade/contracts';

import { type JoinTokenOptions, SignalingClient, useCascadeStack } from './support/stack';

/**
 * A room socket lives no longer than its join token, with two gateway instances, the rooms
 * service and one SFU node: at expiry the participant is put out (told why, the room sees it
 * leave, its resume is refused) unless it handed the gateway a fresh token on the live socket
 * (`session.refresh`) or in a resume handshake; and a credential that identity revokes (an API
 * key, a sign-in session) ends the live sessions it opened within seconds, as announced on NATS.
 */
const stack = useCascadeStack({ gateways: 2, sfuNodes: 1, resumeGraceMs: 20_000 });
const TENANT = 'acme';
const clients: SignalingClient[] = [];
const json = wireJson;

afterEach(() => {
  for (const c of clients.splice(0)) c.close();
});

// The stack's first placement is slow (the node's router is created): paid before the tests.
beforeAll(async () => {
  const room = await stack.createRoom(TENANT, 'u_owner');
  const warm = await stack.connect(0, { tenant: TENANT, user: 'u_warm', room: room.id });
  await warm.call('room.join', {});
  await warm.call('room.leave', {});
  warm.close();
}, 60_000);

/** Seconds a short-lived token lives: long enough to join, short enough to wait out. */
const SHORT_TTL_S = 6;

async function joined(gateway: number, token: JoinTokenOptions) {
  const client = await stack.connect(gateway, token);
  clients.push(client);
  const join = await client.call('room.join', {});
  return { client, join };
}

/** When a token minted now with `expiresIn` seconds expires (ms; `exp` is in whole seconds). */
const expiryOf = (expiresIn: number) => (Math.floor(Date.now() / 1000) + expiresIn) * 1000;

/** Milliseconds from now until `at`, plus the 2 s a session may outlive its end. */
const within2sOf = (at: number) => Math.max(0, at - Date.now()) + 2_000;

async function resumeRefusal(gateway: number, resumeToken: string) {
  return SignalingClient.refusal(stack.gatewayUrls[gateway]!, { resumeToken });
}

function revoke(event: CredentialRevokedEvent): void {
  stack.nc.publish(stack.subjects.credentialRevocations(event.tenantId), json.encode(event));
}

describe('join token lifetime', () => {
  it('puts out a participant whose token expires within 2 s: told why, the room sees it leave, no resume', async () => {
    const room = await stack.createRoom(TENANT, 'u_owner');
    const expiresAt = expiryOf(SHORT_TTL_S);
    const alice = await joined(0, {
      tenant: TENANT,
      user: 'u_alice',
      room: room.id,
      expiresIn: SHORT_TTL_S,
    });
    const bob = await joined(1, { tenant: TENANT, user: 'u_bob', room: room.id });

    await expect(
      alice.client.waitFor('session.removed', () => true, within2sOf(expiresAt)),
    ).resolves.toEqual({ reason: 'session_expired' });
    await alice.client.disconnected(2_000);
    await expect(
      bob.client.waitFor(
        'participant.left',
        (e) => e.participantId === alice.join.participantId,
        2_000,
      ),
    ).resolves.toEqual({ participantId: alice.join.participantId, reason: 'session_expired' });
    expect((await resumeRefusal(1, alice.join.resumeToken)).code).toBe('NOT_FOUND');
    const { participants } = await bob.client.call('participant.list', {});
    expect(participants.map((p) => p.userId)).toEqual(['u_bob']);
  });

  it('refuses the resume of a dropped session whose token expired during its grace period', async () => {
    const room = await stack.createRoom(TENANT, 'u_owner');
    const expiresAt = expiryOf(SHORT_TTL_S);
    const alice = await joined(0, {
      tenant: TENANT,
      user: 'u_alice',
      room: room.id,
      expiresIn: SHORT_TTL_S,
    });
    const bob = await joined(1, { tenant: TENANT, user: 'u_bob', room: room.id });
    alice.client.close(); // dropped: the session waits 20 s for a resume
    await new Promise((r) => setTimeout(r, Math.max(0, expiresAt - Date.now()) + 100));

    expect((await resumeRefusal(1, alice.join.resumeToken)).code).toBe('NOT_FOUND');
    await expect(
      bob.client.waitFor(
        'participant.left',
        (e) => e.participantId === alice.join.participantId,
        2_000,
      ),
    ).resolves.toEqual({ participantId: alice.join.participantId, reason: 'session_expired' });
  });

  it('keeps a session past its first token expiry once a fresh token was handed over (session.refresh)', async () => {
    const room = await stack.createRoom(TENANT, 'u_owner');
    const who = { tenant: TENANT, user: 'u_alice', room: room.id };
    const firstExpiry = expiryOf(SHORT_TTL_S);
    const alice = await joined(0, { ...who, expiresIn: SHORT_TTL_S });

    const fresh = stack.mintJoinToken({ ...who, expiresIn: 600 });
    const { expiresAt } = await alice.client.call('session.refresh', { token: fresh });
    expect(expiresAt).toBeGreaterThanOrEqual(firstExpiry + 500_000);

    // Past the first token's expiry, and past the 2 s the gateway may take to act on it.
    await new Promise((r) => setTimeout(r, within2sOf(firstExpiry)));
    expect(alice.client.connected).toBe(true);
    expect(alice.client.received('session.removed')).toEqual([]);
    const { participants } = await alice.client.call('participant.list', {});
    expect(participants.map((p) => p.participantId)).toEqual([alice.join.participantId]);
  });

  it('keeps a dropped session past its first token expiry when the resume handshake brings a fresh token', async () => {
    const room = await stack.createRoom(TENANT, 'u_owner');
    const who = { tenant: TENANT, user: 'u_alice', room: room.id };
    const firstExpiry = expiryOf(SHORT_TTL_S);
    const alice = await joined(0, { ...who, expiresIn: SHORT_TTL_S });
    alice.client.close();

    const back = await SignalingClient.connect(stack.gatewayUrls[1]!, {
      resumeToken: alice.join.resumeToken,
      token: stack.mintJoinToken({ ...who, expiresIn: 600 }),
    });
    clients.push(back);
    const resumed = await back.call('session.resume', {});
    expect(resumed.participantId).toBe(alice.join.participantId);
    await new Promise((r) => setTimeout(r, within2sOf(firstExpiry)));
    expect(back.connected).toBe(true);
    expect(back.received('session.removed')).toEqual([]);
  });

  it.each([
    ['another user', { user: 'u_mallory' }, 'FORBIDDEN'],
    ['another room', { room: 'elsewhere' }, 'FORBIDDEN'],
    ['other grants', { grants: { admin: true } }, 'INVALID_ARGUMENT'],
    ['an earlier expiry', { expiresIn: 60 }, 'INVALID_ARGUMENT'],
  ] as const)('refuses a refreshed token of %s', async (_name, change, code) => {
    const room = await stack.createRoom(TENANT, 'u_owner');
    const who = { tenant: TENANT, user: 'u_alice', room: room.id };
    const alice = await joined(0, { ...who, expiresIn: 600 });
    const token = stack.mintJoinToken({ ...who, expiresIn: 600, ...change });
    const reply = await alice.client.request('session.refresh', { token });
    expect(reply).toMatchObject({ ok: false, error: { code } });
    expect(alice.client.connected).toBe(true);
  });

  it('refuses an expired or forged refreshed token as UNAUTHENTICATED', async () => {
    const room = await stack.createRoom(TENANT, 'u_owner');
    const who = { tenant: TENANT, user: 'u_alice', room: room.id };
    const alice = await joined(0, who);
    for (const token of [stack.tokens.forge.expired(who), stack.tokens.forge.tampered(who)]) {
      const reply = await alice.client.request('session.refresh', { token });
      expect(reply).toMatchObject({ ok: false, error: { code: 'UNAUTHENTICATED' } });
    }
  });
});

describe('revocations reach live sockets', () => {
  it('revoking an API key puts out the sockets its tokens opened within 2 s, refuses their resume and its older tokens', async () => {
    const room = await stack.createRoom(TENANT, 'u_owner');
    const byKey = (user: string, akid: string): JoinTokenOptions => ({
      tenant: TENANT,
      user,
      room: room.id,
      claims: { akid },
    });
    const alice = await joined(0, byKey('u_alice', 'key_revoked'));
    const carol = await joined(1, byKey('u_carol', 'key_revoked'));
    const bob = await joined(1, byKey('u_bob', 'key_kept'));
    const older = stack.mintJoinToken(byKey('u_dave', 'key_revoked'));

    const revokedAt = Date.now();
    revoke({ type: 'api-key', tenantId: TENANT, apiKeyId: 'key_revoked', revokedAt });

    for (const victim of [alice, carol]) {
      await expect(
        victim.client.waitFor('session.removed', () => true, within2sOf(revokedAt)),
      ).resolves.toEqual({ reason: 'revoked' });
      await victim.client.disconnected(2_000);
      expect((await resumeRefusal(0, victim.join.resumeToken)).code).toBe('NOT_FOUND');
      await bob.client.waitFor(
        'participant.left',
        (e) => e.participantId === victim.join.participantId && e.reason === 'revoked',
        2_000,
      );
    }
    expect(bob.client.connected).toBe(true);
    expect(bob.client.received('session.removed')).toEqual([]);
    const refused = await SignalingClient.refusal(stack.gatewayUrls[0]!, { token: older });
    expect(refused.code).toBe('UNAUTHENTICATED');
    // A token the key's backend would mint now cannot exist (the key is revoked); another key's can.
    await joined(0, byKey('u_erin', 'key_kept'));
  });

  it('ending a sign-in session puts out the room sockets it opened and its user connections', async () => {
    const room = await stack.createRoom(TENANT, 'u_owner');
    const alice = await joined(0, {
      tenant: TENANT,
      user: 'u_alice',
      room: room.id,
      claims: { sid: 's_u_alice' },
    });
    // The stack's access tokens name the sign-in session `s_<user>`.
    const app = await stack.connectUser(1, { tenant: TENANT, user: 'u_alice' });
    clients.push(app);

    revoke({
      type: 'sign-in-session',
      tenantId: TENANT,
      sessionId: 's_u_alice',
      revokedAt: Date.now(),
    });

    await expect(alice.client.waitFor('session.removed', () => true, 2_000)).resolves.toEqual({
      reason: 'revoked',
    });
    await alice.client.disconnected(2_000);
    await app.disconnected(2_000);
    const again = await SignalingClient.refusal(stack.gatewayUrls[0]!, {
      accessToken: stack.tokens.mintAccessToken(TENANT, 'u_alice'),
    });
    expect(again.code).toBe('UNAUTHENTICATED');
  });
});
