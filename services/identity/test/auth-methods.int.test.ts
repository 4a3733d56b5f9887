import type { AuthMethods, Tenant } from '@cascade/contracts';

import { IdentityApp, useIdentity } from './support/identity-harness';

const h = useIdentity({ IDENTITY_DEFAULT_TENANT: 'lobby' });
let lobby: Tenant;
let other: Tenant;

beforeAll(async () => {
  lobby = await h.createTenant('lobby');
  other = await h.createTenant('other');
});

/** An identity app with these variables changed (`undefined` removes one). */
async function withEnv<T>(
  changes: Record<string, string | undefined>,
  use: (app: IdentityApp) => Promise<T>,
): Promise<T> {
  const env = h.env();
  for (const [name, value] of Object.entries(changes)) {
    if (value === undefined) delete env[name];
    else env[name] = value;
  }
  const app = await IdentityApp.start(env);
  try {
    return await use(app);
  } finally {
    await app.close();
  }
}

describe('GET /auth/methods', () => {
  it('describes the default tenant when none is named, without authentication', async () => {
    const res = await h.app().get<AuthMethods>('/auth/methods');
    expect(res.status).toBe(200);
    expect(res.body).toEqual({
      tenant: { id: lobby.id, slug: 'lobby', name: 'Tenant lobby' },
      devLogin: true,
      google: false,
    });
  });

  it('describes the tenant named by the query', async () => {
    const res = await h.app().get<AuthMethods>('/auth/methods?tenant=other');
    expect(res.body.tenant).toEqual({ id: other.id, slug: 'other', name: 'Tenant other' });
  });

  it('answers NOT_FOUND for an unknown tenant, and INVALID_ARGUMENT for a bad query', async () => {
    const missing = await h.app().get('/auth/methods?tenant=missing');
    expect(missing.status).toBe(404);
    expect(missing.body).toMatchObject({ code: 'NOT_FOUND' });
    expect((await h.app().get('/auth/methods?tenant=Not%20A%20Slug')).status).toBe(400);
    expect((await h.app().get('/auth/methods?tenant=lobby&extra=1')).status).toBe(400);
  });

  it('answers tenant null without a default tenant, and devLogin false when it is off', async () => {
    const body = await withEnv(
      { IDENTITY_DEFAULT_TENANT: undefined, IDENTITY_DEV_LOGIN: undefined },
      async (app) => (await app.get<AuthMethods>('/auth/methods')).body,
    );
    expect(body).toEqual({ tenant: null, devLogin: false, google: false });
  });

  it('answers NOT_FOUND when the configured default tenant does not exist', async () => {
    const status = await withEnv(
      { IDENTITY_DEFAULT_TENANT: 'nowhere' },
      async (app) => (await app.get('/auth/methods')).status,
    );
    expect(status).toBe(404);
  });
});
