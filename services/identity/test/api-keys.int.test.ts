import { createPublicKey } from 'node:crypto';

import {
  type ApiKey,
  type CreatedApiKey,
  type Jwks,
  JoinTokenClaims,
  type Page,
  type SessionTokens,
  type Tenant,
} from '@cascade/contracts';
import { JwtVerifier } from '@cascade/server-kit';
import jwt from 'jsonwebtoken';

import { useIdentity } from './support/identity-harness';

const h = useIdentity();

interface TenantWithAdmin {
  tenant: Tenant;
  admin: SessionTokens;
  member: SessionTokens;
}

async function tenantWithAdmin(slug: string): Promise<TenantWithAdmin> {
  const tenant = await h.createTenant(slug);
  const admin = await h.signIn(slug, `${slug} admin`);
  await h.makeAdmin(tenant.id, admin.user.id);
  const member = await h.signIn(slug, `${slug} member`);
  return { tenant, admin, member };
}

const grants = (room = 'room-1', admin = false) => ({
  room,
  join: true,
  publish: true,
  subscribe: true,
  admin,
});

let a: TenantWithAdmin;
let b: TenantWithAdmin;
let keyA: CreatedApiKey;

beforeAll(async () => {
  a = await tenantWithAdmin('keys-a');
  b = await tenantWithAdmin('keys-b');
  const res = await h.app().post<CreatedApiKey>('/api-keys', {
    token: a.admin.accessToken,
    body: { name: 'backend' },
  });
  expect(res.status).toBe(201);
  keyA = res.body;
});

describe('API keys', () => {
  it('are created by tenant admins; the key is shown once and stored hashed', async () => {
    expect(keyA).toMatchObject({ name: 'backend', revokedAt: null, lastUsedAt: null });
    expect(keyA.key).toMatch(new RegExp(`^${keyA.id}\\.`));
    const secret = keyA.key.split('.')[1] as string;
    const { rows } = await h
      .db()
      .query('SELECT secret_hash FROM api_keys WHERE id = $1', [keyA.id]);
    expect(rows[0].secret_hash).not.toContain(secret);
    const list = await h.app().get<Page<ApiKey>>('/api-keys', { token: a.admin.accessToken });
    expect(list.body.items.find((k) => k.id === keyA.id)).not.toHaveProperty('key');
  });

  it('are not managed by members (403) nor anonymously (401)', async () => {
    const before = await h.count('api_keys');
    expect(
      (await h.app().post('/api-keys', { token: a.member.accessToken, body: { name: 'x' } }))
        .status,
    ).toBe(403);
    expect((await h.app().get('/api-keys', { token: a.member.accessToken })).status).toBe(403);
    expect((await h.app().post('/api-keys', { body: { name: 'x' } })).status).toBe(401);
    expect(await h.count('api_keys')).toBe(before);
  });

  it.each([
    [{}],
    [{ name: '' }],
    [{ name: 7 }],
    [{ name: 'x'.repeat(101) }],
    [{ name: 'ok', scope: 'all' }],
  ])('rejects %j and writes nothing', async (body) => {
    const before = await h.count('api_keys');
    const res = await h.app().post('/api-keys', { token: a.admin.accessToken, body });
    expect(res.status).toBe(400);
    expect(await h.count('api_keys')).toBe(before);
  });

  it('list pages within the tenant only', async () => {
    for (const name of ['k2', 'k3']) {
      await h.app().post('/api-keys', { token: a.admin.accessToken, body: { name } });
    }
    const first = await h
      .app()
      .get<Page<ApiKey>>('/api-keys?limit=2', { token: a.admin.accessToken });
    expect(first.body.items).toHaveLength(2);
    expect(first.body.nextCursor).not.toBeNull();
    const second = await h
      .app()
      .get<Page<ApiKey>>(`/api-keys?limit=2&cursor=${first.body.nextCursor}`, {
        token: a.admin.accessToken,
      });
    expect(second.body.items).toHaveLength(1);
    expect(second.body.nextCursor).toBeNull();
    const ofB = await h.app().get<Page<ApiKey>>('/api-keys', { token: b.admin.accessToken });
    expect(ofB.body.items).toEqual([]);
  });

  it("cannot be revoked by another tenant's admin (404), and a revoked key mints nothing", async () => {
    const created = await h.app().post<CreatedApiKey>('/api-keys', {
      token: a.admin.accessToken,
      body: { name: 'to revoke' },
    });
    const key = created.body;
    expect(
      (await h.app().delete(`/api-keys/${key.id}`, { token: b.admin.accessToken })).status,
    ).toBe(404);
    const revoked = await h
      .app()
      .delete<ApiKey>(`/api-keys/${key.id}`, { token: a.admin.accessToken });
    expect(revoked.status).toBe(200);
    expect(revoked.body.revokedAt).not.toBeNull();
    const mint = await h.app().post('/join-tokens', {
      apiKey: key.key,
      body: { userId: a.member.user.id, grants: grants() },
    });
    expect(mint.status).toBe(401);
    expect(
      (await h.app().delete('/api-keys/key_missing', { token: a.admin.accessToken })).status,
    ).toBe(404);
  });
});

describe('join tokens', () => {
  it("are minted with an API key for the tenant's users, verifiable with the JWKS", async () => {
    const res = await h.app().post<{ token: string; expiresAt: string }>('/join-tokens', {
      apiKey: keyA.key,
      body: { userId: a.member.user.id, grants: grants('standup', true), ttlSeconds: 600 },
    });
    expect(res.status).toBe(201);
    const jwks = (await h.app().get<Jwks>('/.well-known/jwks.json')).body;
    const verifier = new JwtVerifier({
      keys: jwks.keys,
      issuer: 'cascade-identity',
      audience: 'cascade-join',
    });
    const claims = await verifier.verify(res.body.token, JoinTokenClaims);
    expect(claims).toMatchObject({
      sub: a.member.user.id,
      tenant: a.tenant.id,
      name: 'keys-a member',
      grants: grants('standup', true),
    });
    expect(claims.exp - claims.iat).toBe(600);
    const key = createPublicKey({ key: jwks.keys[0] as never, format: 'jwk' });
    expect(() => jwt.verify(res.body.token, key, { audience: 'cascade-api' })).toThrow(/audience/);
    const list = await h.app().get<Page<ApiKey>>('/api-keys', { token: a.admin.accessToken });
    expect(list.body.items.find((k) => k.id === keyA.id)?.lastUsedAt).not.toBeNull();
  });

  it("cannot be minted for another tenant's user (404)", async () => {
    const res = await h.app().post('/join-tokens', {
      apiKey: keyA.key,
      body: { userId: b.member.user.id, grants: grants() },
    });
    expect(res.status).toBe(404);
  });

  it('are minted by a signed-in user for itself only; admin only once rooms confirms a role', async () => {
    const self = await h.app().post<{ token: string }>('/join-tokens', {
      token: a.member.accessToken,
      body: { grants: grants() },
    });
    expect(self.status).toBe(201);
    expect(jwt.decode(self.body.token)).toMatchObject({
      sub: a.member.user.id,
      tenant: a.tenant.id,
    });
    const other = await h.app().post('/join-tokens', {
      token: a.member.accessToken,
      body: { userId: a.admin.user.id, grants: grants() },
    });
    expect(other.status).toBe(403);
    // No rooms service in this suite: the role cannot be confirmed, so admin is refused (503).
    // The grant itself is in admin-join-tokens.int.test.ts.
    const admin = await h.app().post('/join-tokens', {
      token: a.member.accessToken,
      body: { grants: grants('r', true) },
    });
    expect(admin.status).toBe(503);
  });

  it.each([
    ['a wrong secret', (k: string) => `${k.split('.')[0]}.${'A'.repeat(43)}`],
    ['garbage', () => 'garbage'],
    ['another tenant key id with this secret', (k: string) => `key_nope.${k.split('.')[1]}`],
  ])('refuses %s with 401', async (_name, mangle) => {
    const res = await h.app().post('/join-tokens', {
      apiKey: mangle(keyA.key),
      body: { userId: a.member.user.id, grants: grants() },
    });
    expect(res.status).toBe(401);
  });

  it.each([
    [{ grants: grants() }, 'userId'],
    [{ userId: 'u', grants: { ...grants(), join: 'yes' } }, 'grants.join'],
    [{ userId: 'u', grants: { ...grants(), room: 'a.b' } }, 'grants.room'],
    [{ userId: 'u', grants: { ...grants(), extra: true } }, 'grants'],
    [{ userId: 'u', grants: grants(), ttlSeconds: 86_401 }, 'ttlSeconds'],
    [{ userId: 'u', grants: grants(), ttlSeconds: 10 }, 'ttlSeconds'],
    [{ userId: 'u', grants: grants(), ttlSeconds: 1.5 }, 'ttlSeconds'],
    [{ userId: 'u'.repeat(65), grants: grants() }, 'userId'],
  ])('rejects %j at %j', async (body, path) => {
    const res = await h
      .app()
      .post<{ details: { issues: Array<{ path: string }> } }>('/join-tokens', {
        apiKey: keyA.key,
        body,
      });
    expect(res.status).toBe(400);
    expect(res.body.details.issues.map((i) => i.path)).toContain(path);
  });
});
