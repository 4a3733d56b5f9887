import type { SessionTokens } from '@cascade/contracts';

import { IdentityApp, useIdentity } from './support/identity-harness';

// Grace off: every second use of a refresh token is a reuse here (refresh-grace.int.test.ts has it on).
const h = useIdentity({ IDENTITY_REFRESH_REUSE_GRACE_SECONDS: '0' });

beforeAll(async () => {
  await h.createTenant('sessions');
});

const refresh = (refreshToken: unknown) =>
  h.app().post<SessionTokens & { code?: string; message?: string }>('/auth/refresh', {
    body: { refreshToken },
  });

describe('development sign-in', () => {
  it('serves a form', async () => {
    const res = await h.app().get<string>('/auth/dev');
    expect(res.status).toBe(200);
    expect(res.body).toContain('<form method="post" action="/auth/dev">');
  });

  it('signs in a new user from a form post and returns a session', async () => {
    const res = await h.app().post<SessionTokens>('/auth/dev', {
      body: 'tenant=sessions&displayName=Form+User&email=',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
    });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({
      tokenType: 'Bearer',
      expiresIn: 900,
      user: { displayName: 'Form User', email: null, avatarSource: 'generated', role: 'member' },
    });
    expect(res.body.refreshToken).toMatch(/^rt_/);
  });

  it('signs in again as the same user when the email is known', async () => {
    const a = await h.signIn('sessions', 'Lin', 'lin@example.com');
    const b = await h.signIn('sessions', 'Lin again', 'lin@example.com');
    expect(b.user.id).toBe(a.user.id);
  });

  it('answers 404 for an unknown tenant and writes nothing', async () => {
    const users = await h.count('users');
    const res = await h.app().post('/auth/dev', { body: { tenant: 'nope', displayName: 'X' } });
    expect(res.status).toBe(404);
    expect(res.body).toMatchObject({ code: 'NOT_FOUND' });
    expect(await h.count('users')).toBe(users);
  });

  it.each([
    [{ tenant: 'sessions' }, 'displayName'],
    [{ tenant: 'sessions', displayName: 42 }, 'displayName'],
    [{ tenant: 'sessions', displayName: 'x'.repeat(101) }, 'displayName'],
    [{ tenant: 'sessions', displayName: '   ' }, 'displayName'],
    [{ tenant: 'sessions', displayName: 'A', email: 'not-an-email' }, 'email'],
    [{ tenant: 'sessions', displayName: 'A', admin: true }, ''],
    [{ tenant: 'Bad Slug!', displayName: 'A' }, 'tenant'],
  ])('rejects %j with the field path %j and writes nothing', async (body, path) => {
    const [users, sessions] = [await h.count('users'), await h.count('sessions')];
    const res = await h
      .app()
      .post<{ code: string; details: { issues: Array<{ path: string }> } }>('/auth/dev', { body });
    expect(res.status).toBe(400);
    expect(res.body.code).toBe('INVALID_ARGUMENT');
    expect(res.body.details.issues.map((i) => i.path)).toContain(path);
    expect(await h.count('users')).toBe(users);
    expect(await h.count('sessions')).toBe(sessions);
  });

  it('rejects malformed JSON with 400', async () => {
    const res = await h.app().post('/auth/dev', { body: '{"tenant":' });
    expect(res.status).toBe(400);
    expect(res.body).toMatchObject({ code: 'INVALID_ARGUMENT' });
  });

  it('does not exist when IDENTITY_DEV_LOGIN is off (the default)', async () => {
    const env = h.env();
    delete env['IDENTITY_DEV_LOGIN'];
    const off = await IdentityApp.start(env);
    try {
      expect(
        (await off.post('/auth/dev', { body: { tenant: 'sessions', displayName: 'A' } })).status,
      ).toBe(404);
      expect((await off.get('/auth/dev')).status).toBe(404);
    } finally {
      await off.close();
    }
  });
});

describe('refresh tokens', () => {
  it('rotate on each use: the new pair works, the access token names the same session', async () => {
    const first = await h.signIn('sessions', 'Rita');
    const second = await refresh(first.refreshToken);
    expect(second.status).toBe(200);
    expect(second.body.refreshToken).not.toBe(first.refreshToken);
    expect(second.body.user.id).toBe(first.user.id);
    const third = await refresh(second.body.refreshToken);
    expect(third.status).toBe(200);
    expect((await h.app().get('/me', { token: third.body.accessToken })).status).toBe(200);
  });

  it('reusing an old refresh token revokes the whole family', async () => {
    const first = await h.signIn('sessions', 'Eve');
    const second = await refresh(first.refreshToken);
    expect(second.status).toBe(200);

    const reuse = await refresh(first.refreshToken);
    expect(reuse.status).toBe(401);
    expect(reuse.body).toMatchObject({
      code: 'UNAUTHENTICATED',
      message: expect.stringMatching(/already used/),
    });
    // The legitimate latest token is dead too, and so are the session's access tokens.
    expect((await refresh(second.body.refreshToken)).status).toBe(401);
    expect((await h.app().get('/me', { token: second.body.accessToken })).status).toBe(401);
  });

  it('two concurrent uses of one token: at most one wins, and the family is revoked', async () => {
    const first = await h.signIn('sessions', 'Race');
    const results = await Promise.all([refresh(first.refreshToken), refresh(first.refreshToken)]);
    expect(results.filter((r) => r.status === 200).length).toBeLessThanOrEqual(1);
    expect(results.some((r) => r.status === 401)).toBe(true);
    for (const r of results.filter((x) => x.status === 200)) {
      expect((await refresh(r.body.refreshToken)).status).toBe(401);
    }
  });

  it('answers 401 for an unknown refresh token and 400 for a malformed request', async () => {
    expect((await refresh('rt_unknown')).status).toBe(401);
    expect((await refresh(42)).status).toBe(400);
    expect((await refresh('x'.repeat(300))).status).toBe(400);
    const extra = await h.app().post('/auth/refresh', { body: { refreshToken: 'a', more: 1 } });
    expect(extra.status).toBe(400);
  });

  it('logout ends the session: refresh and access tokens stop working', async () => {
    const s = await h.signIn('sessions', 'Leo');
    const out = await h.app().post('/auth/logout', { body: { refreshToken: s.refreshToken } });
    expect(out.status).toBe(204);
    expect((await refresh(s.refreshToken)).status).toBe(401);
    expect((await h.app().get('/me', { token: s.accessToken })).status).toBe(401);
    // Idempotent for a known token; unknown tokens are 401.
    expect(
      (await h.app().post('/auth/logout', { body: { refreshToken: s.refreshToken } })).status,
    ).toBe(204);
    expect((await h.app().post('/auth/logout', { body: { refreshToken: 'rt_x' } })).status).toBe(
      401,
    );
  });
});

describe('access tokens', () => {
  it.each([
    ['no header', {}],
    ['a malformed header', { authorization: 'Bearer' }],
    ['another scheme', { authorization: 'Basic abc' }],
    ['a forged token', { authorization: 'Bearer eyJhbGciOiJub25lIn0.eyJzdWIiOiJ4In0.' }],
  ])('rejects %s with 401', async (_name, headers) => {
    const res = await h.app().get('/me', { headers });
    expect(res.status).toBe(401);
    expect(res.body).toMatchObject({ code: 'UNAUTHENTICATED' });
  });
});

describe('rate limits', () => {
  it('answers 429 past the per-IP limit on sign-in and refresh', async () => {
    const limited = await IdentityApp.start(
      h.env({
        IDENTITY_RATE_LIMIT_PER_MINUTE: '3',
        // Its own buckets: the suite's other requests count under the suite's prefix.
        REDIS_KEY_PREFIX: `${h.infra().env['REDIS_KEY_PREFIX']}limited:`,
      }),
    );
    try {
      await limited.redisConnected();
      const statuses: number[] = [];
      for (let i = 0; i < 5; i++) {
        statuses.push(
          (await limited.post('/auth/dev', { body: { tenant: 'sessions', displayName: `R${i}` } }))
            .status,
        );
      }
      expect(statuses).toEqual([200, 200, 200, 429, 429]);
      const res = await limited.post('/auth/dev', {
        body: { tenant: 'sessions', displayName: 'R' },
      });
      expect(res.body).toMatchObject({
        code: 'RATE_LIMITED',
        details: { retryAfterSeconds: expect.any(Number) },
      });
      for (let i = 0; i < 3; i++)
        await limited.post('/auth/refresh', { body: { refreshToken: 'rt_x' } });
      expect((await limited.post('/auth/refresh', { body: { refreshToken: 'rt_x' } })).status).toBe(
        429,
      );
    } finally {
      await limited.close();
    }
  });
});

describe('OpenAPI', () => {
  it('documents the endpoints at /docs', async () => {
    const ui = await h.app().get<string>('/docs');
    expect(ui.status).toBe(200);
    const doc = await h.app().get<{ paths: Record<string, unknown> }>('/docs-json');
    expect(doc.status).toBe(200);
    expect(Object.keys(doc.body.paths)).toEqual(
      expect.arrayContaining([
        '/.well-known/jwks.json',
        '/auth/refresh',
        '/auth/logout',
        '/auth/dev',
        '/auth/methods',
        '/me',
        '/users',
        '/friends',
        '/friends/requests',
        '/api-keys',
        '/join-tokens',
        '/admin/tenants',
      ]),
    );
  });
});
