import type { Page, Tenant } from '@cascade/contracts';

import { ADMIN_TOKEN, IdentityApp, useIdentity } from './support/identity-harness';

const h = useIdentity();

describe('operator API: tenants', () => {
  it('creates a tenant with default settings', async () => {
    const res = await h.app().post<Tenant>('/admin/tenants', {
      token: ADMIN_TOKEN,
      body: { slug: 'acme', name: 'Acme' },
    });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({
      slug: 'acme',
      name: 'Acme',
      settings: { maxRoomCapacity: 100, allowedOrigins: [] },
    });
    const got = await h.app().get(`/admin/tenants/${res.body.id}`, { token: ADMIN_TOKEN });
    expect(got.body).toEqual(res.body);
  });

  it('refuses a taken slug with 409', async () => {
    await h.createTenant('taken');
    const res = await h.app().post('/admin/tenants', {
      token: ADMIN_TOKEN,
      body: { slug: 'taken', name: 'Again' },
    });
    expect(res.status).toBe(409);
    expect(res.body).toMatchObject({ code: 'CONFLICT' });
  });

  it('updates name and settings', async () => {
    const t = await h.createTenant('upd');
    const res = await h.app().patch<Tenant>(`/admin/tenants/${t.id}`, {
      token: ADMIN_TOKEN,
      body: { settings: { maxRoomCapacity: 8, allowedOrigins: ['https://app.upd.test'] } },
    });
    expect(res.status).toBe(200);
    expect(res.body.settings).toEqual({
      maxRoomCapacity: 8,
      allowedOrigins: ['https://app.upd.test'],
      chatRetentionDays: null,
    });
    expect(res.body.name).toBe('Tenant upd');
  });

  it.each([
    [{ slug: 'ok-slug' }, 'name'],
    [{ slug: 'UPPER', name: 'x' }, 'slug'],
    [{ slug: 'a'.repeat(41), name: 'x' }, 'slug'],
    [{ slug: 'okay', name: 'x'.repeat(101) }, 'name'],
    [{ slug: 'okay', name: 'x', settings: { maxRoomCapacity: 0 } }, 'settings.maxRoomCapacity'],
    [{ slug: 'okay', name: 'x', settings: { maxRoomCapacity: '5' } }, 'settings.maxRoomCapacity'],
    [
      { slug: 'okay', name: 'x', settings: { allowedOrigins: ['https://a.test/path'] } },
      'settings.allowedOrigins[0]',
    ],
    [{ slug: 'okay', name: 'x', settings: { other: 1 } }, 'settings'],
    [{ slug: 'okay', name: 'x', id: 'mine' }, ''],
  ])('rejects %j at %j and writes nothing', async (body, path) => {
    const before = await h.count('tenants');
    const res = await h
      .app()
      .post<{ details: { issues: Array<{ path: string }> } }>('/admin/tenants', {
        token: ADMIN_TOKEN,
        body,
      });
    expect(res.status).toBe(400);
    expect(res.body.details.issues.map((i) => i.path)).toContain(path);
    expect(await h.count('tenants')).toBe(before);
  });

  it('rejects an empty update and an unknown tenant', async () => {
    const t = await h.createTenant('empty-upd');
    expect(
      (await h.app().patch(`/admin/tenants/${t.id}`, { token: ADMIN_TOKEN, body: {} })).status,
    ).toBe(400);
    expect(
      (
        await h
          .app()
          .patch('/admin/tenants/tnt_missing', { token: ADMIN_TOKEN, body: { name: 'x' } })
      ).status,
    ).toBe(404);
    expect((await h.app().get('/admin/tenants/tnt_missing', { token: ADMIN_TOKEN })).status).toBe(
      404,
    );
  });

  it('pages tenants: full pages, an exact last page, and a bad cursor', async () => {
    const all: Tenant[] = [];
    let cursor: string | null = null;
    do {
      const query: string = cursor ? `?limit=2&cursor=${cursor}` : '?limit=2';
      const res: { status: number; body: Page<Tenant> } = await h
        .app()
        .get<Page<Tenant>>(`/admin/tenants${query}`, { token: ADMIN_TOKEN });
      expect(res.status).toBe(200);
      expect(res.body.items.length).toBeLessThanOrEqual(2);
      all.push(...res.body.items);
      cursor = res.body.nextCursor;
    } while (cursor);
    expect(all.length).toBe(await h.count('tenants'));
    expect(new Set(all.map((t) => t.id)).size).toBe(all.length);

    const exact = await h
      .app()
      .get<Page<Tenant>>(`/admin/tenants?limit=${all.length}`, { token: ADMIN_TOKEN });
    expect(exact.body.nextCursor).toBeNull();
    for (const q of ['?limit=0', '?limit=101', '?limit=abc', '?cursor=%21%21', '?other=1']) {
      expect((await h.app().get(`/admin/tenants${q}`, { token: ADMIN_TOKEN })).status).toBe(400);
    }
  });

  it('requires the operator token', async () => {
    expect((await h.app().get('/admin/tenants')).status).toBe(401);
    expect((await h.app().get('/admin/tenants', { token: 'wrong' })).status).toBe(401);
    const user = await h.signIn((await h.createTenant('op-user')).slug, 'Mallory');
    expect((await h.app().get('/admin/tenants', { token: user.accessToken })).status).toBe(401);
    const before = await h.count('tenants');
    expect((await h.app().post('/admin/tenants', { body: { slug: 'x1', name: 'x' } })).status).toBe(
      401,
    );
    expect(await h.count('tenants')).toBe(before);
  });

  it('is disabled (403) without IDENTITY_ADMIN_TOKEN', async () => {
    const env = h.env();
    delete env['IDENTITY_ADMIN_TOKEN'];
    const off = await IdentityApp.start(env);
    try {
      const res = await off.get('/admin/tenants', { token: ADMIN_TOKEN });
      expect(res.status).toBe(403);
    } finally {
      await off.close();
    }
  });

  it('sets a user role, within the user own tenant only', async () => {
    const a = await h.createTenant('role-a');
    const b = await h.createTenant('role-b');
    const user = await h.signIn('role-a', 'Admin-to-be');
    const wrongTenant = await h.app().put(`/admin/tenants/${b.id}/users/${user.user.id}/role`, {
      token: ADMIN_TOKEN,
      body: { role: 'admin' },
    });
    expect(wrongTenant.status).toBe(404);
    const bad = await h.app().put(`/admin/tenants/${a.id}/users/${user.user.id}/role`, {
      token: ADMIN_TOKEN,
      body: { role: 'owner' },
    });
    expect(bad.status).toBe(400);
    await h.makeAdmin(a.id, user.user.id);
    const me = await h.app().get<{ role: string }>('/me', { token: user.accessToken });
    expect(me.body.role).toBe('admin');
  });
});

describe('bootstrap tenants', () => {
  it('creates the tenants of IDENTITY_BOOTSTRAP_TENANTS once, across restarts', async () => {
    const env = h.env({ IDENTITY_BOOTSTRAP_TENANTS: 'boot-one, boot-two' });
    for (let i = 0; i < 2; i++) {
      const app = await IdentityApp.start(env);
      await app.close();
    }
    const { rows } = await h
      .db()
      .query("SELECT slug FROM tenants WHERE slug LIKE 'boot-%' ORDER BY slug");
    expect(rows.map((r) => r.slug)).toEqual(['boot-one', 'boot-two']);
    expect((await h.app().get('/tenants/boot-one')).status).toBe(200);
  });
});

describe('public tenant lookup', () => {
  it('shows id, slug and name only', async () => {
    const t = await h.createTenant('public', { allowedOrigins: ['https://public.test'] });
    const res = await h.app().get('/tenants/public');
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ id: t.id, slug: 'public', name: 'Tenant public' });
    expect((await h.app().get('/tenants/missing')).status).toBe(404);
    expect((await h.app().get('/tenants/NOT_A_SLUG')).status).toBe(400);
  });
});
