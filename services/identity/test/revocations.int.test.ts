import {
  type CreatedApiKey,
  CredentialRevokedEvent,
  type SessionTokens,
  createSubjects,
  wireJson,
} from '@cascade/contracts';
import { type NatsConnection, connect } from '@nats-io/transport-node';

import { useIdentity } from './support/identity-harness';

/**
 * What identity tells the gateways when a credential is revoked, so that the live sessions it
 * opened end within seconds: join tokens name the credential that minted them (`akid` for an API
 * key, `sid` for a user's sign-in session), and revoking an API key or ending a sign-in session
 * is announced on `credentialRevocations(tenant)` (real NATS, real PostgreSQL).
 */
const h = useIdentity();
const json = wireJson;
let nc: NatsConnection;
const heard: CredentialRevokedEvent[] = [];

beforeAll(async () => {
  const env = h.infra().env;
  nc = await connect({ servers: env['NATS_URL']! });
  const sub = nc.subscribe(createSubjects(env['NATS_SUBJECT_PREFIX']).credentialRevocationsAll());
  void (async () => {
    for await (const msg of sub) heard.push(CredentialRevokedEvent.parse(json.decode(msg.data)));
  })();
  await nc.flush();
});

afterAll(async () => {
  await nc?.close();
});

/** The claims of a JWT (identity's own tokens: their signature is tested elsewhere). */
const claimsOf = (token: string) =>
  JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString()) as Record<string, unknown>;

async function heardWithin2s(matches: (e: CredentialRevokedEvent) => boolean) {
  const deadline = Date.now() + 2_000;
  for (;;) {
    const found = heard.find(matches);
    if (found) return found;
    if (Date.now() > deadline) throw new Error(`not announced; heard ${JSON.stringify(heard)}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

const grants = { room: 'standup', join: true, publish: true, subscribe: true, admin: false };

describe('revocations announced to the gateways', () => {
  let tenantId: string;
  let admin: SessionTokens;
  let member: SessionTokens;
  let key: CreatedApiKey;

  beforeAll(async () => {
    tenantId = (await h.createTenant('revoke-a')).id;
    admin = await h.signIn('revoke-a', 'Admin');
    await h.makeAdmin(tenantId, admin.user.id);
    member = await h.signIn('revoke-a', 'Member');
    key = (
      await h.app().post<CreatedApiKey>('/api-keys', {
        token: admin.accessToken,
        body: { name: 'backend' },
      })
    ).body;
  });

  it('names the minting credential in join tokens: the API key (akid) or the sign-in session (sid)', async () => {
    const byKey = await h.app().post<{ token: string }>('/join-tokens', {
      apiKey: key.key,
      body: { userId: member.user.id, grants, ttlSeconds: 600 },
    });
    expect(byKey.status).toBe(201);
    expect(claimsOf(byKey.body.token)).toMatchObject({ akid: key.id });
    expect(claimsOf(byKey.body.token)['sid']).toBeUndefined();

    const bySelf = await h.app().post<{ token: string }>('/join-tokens', {
      token: member.accessToken,
      body: { grants, ttlSeconds: 600 },
    });
    expect(bySelf.status).toBe(201);
    const sid = claimsOf(member.accessToken)['sid'];
    expect(claimsOf(bySelf.body.token)).toMatchObject({ sid });
    expect(claimsOf(bySelf.body.token)['akid']).toBeUndefined();
  });

  it('announces a revoked API key within 2 s', async () => {
    const before = Date.now();
    const res = await h.app().delete(`/api-keys/${key.id}`, { token: admin.accessToken });
    expect(res.status).toBe(200);
    const event = await heardWithin2s((e) => e.type === 'api-key' && e.apiKeyId === key.id);
    expect(event).toEqual({
      type: 'api-key',
      tenantId,
      apiKeyId: key.id,
      revokedAt: expect.any(Number),
    });
    expect(event.revokedAt).toBeGreaterThanOrEqual(before - 1_000);
  });

  it('announces an ended sign-in session (logout) within 2 s', async () => {
    const sessionId = claimsOf(member.accessToken)['sid'] as string;
    const res = await h.app().post('/auth/logout', {
      body: { refreshToken: member.refreshToken, delivery: 'body' },
    });
    expect(res.status).toBeLessThan(300);
    await expect(
      heardWithin2s((e) => e.type === 'sign-in-session' && e.sessionId === sessionId),
    ).resolves.toEqual({
      type: 'sign-in-session',
      tenantId,
      sessionId,
      revokedAt: expect.any(Number),
    });
  });
});
