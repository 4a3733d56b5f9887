import {
  type Profile,
  REFRESH_COOKIE_NAME,
  type SessionTokens,
  type WebSession,
} from '@cascade/contracts';
import { type SetCookie, parseSetCookie } from 'cookie';

import {
  IdentityApp,
  type RequestOptions,
  type Response,
  useIdentity,
} from './support/identity-harness';

// Grace off: a second use of a refresh token is a reuse here (refresh-grace.int.test.ts has it on).
const h = useIdentity({ IDENTITY_REFRESH_REUSE_GRACE_SECONDS: '0' });

beforeAll(async () => {
  await h.createTenant('web');
});

/** The session cookie a response sets (at most one), parsed. */
function sessionCookie(res: Response): SetCookie | undefined {
  const cookies = res.headers
    .getSetCookie()
    .map((c) => parseSetCookie(c))
    .filter((c) => c.name === REFRESH_COOKIE_NAME);
  expect(cookies.length).toBeLessThanOrEqual(1);
  return cookies[0];
}

/** What the browser sends back: `cascade_refresh=<value>`. */
const sent = (cookie: SetCookie) => `${cookie.name}=${cookie.value ?? ''}`;

function expectCleared(res: Response): void {
  expect(sessionCookie(res)).toMatchObject({
    value: '',
    maxAge: 0,
    path: '/api/identity/auth',
    httpOnly: true,
  });
}

async function signInToBrowser(displayName: string, options: RequestOptions = {}) {
  const res = await h.app().post<WebSession>('/auth/dev', {
    ...options,
    body: { tenant: 'web', displayName, delivery: 'cookie' },
  });
  expect(res.status).toBe(200);
  const cookie = sessionCookie(res);
  if (cookie === undefined) throw new Error('no session cookie was set');
  return { res, session: res.body, cookie };
}

const cookieRequest = (cookie: SetCookie | string | undefined, extra: RequestOptions = {}) => ({
  body: { delivery: 'cookie' },
  ...extra,
  headers: {
    ...(cookie !== undefined && { cookie: typeof cookie === 'string' ? cookie : sent(cookie) }),
    ...extra.headers,
  },
});

const refreshWith = (cookie?: SetCookie | string, extra?: RequestOptions) =>
  h.app().post<WebSession & { code?: string }>('/auth/refresh', cookieRequest(cookie, extra));

const logoutWith = (cookie?: SetCookie | string, extra?: RequestOptions) =>
  h.app().post<{ code?: string }>('/auth/logout', cookieRequest(cookie, extra));

describe('browser sessions: the refresh token in an HttpOnly cookie', () => {
  it('sign-in sets an HttpOnly, SameSite=Lax cookie on the /auth path and keeps the token out of the body', async () => {
    const { session, cookie } = await signInToBrowser('Wendy');
    expect(cookie).toEqual({
      name: REFRESH_COOKIE_NAME,
      value: expect.stringMatching(/^rt_/),
      httpOnly: true,
      sameSite: 'lax',
      path: '/api/identity/auth',
      maxAge: 30 * 86_400,
    });
    expect(session).not.toHaveProperty('refreshToken');
    expect(session).toMatchObject({
      tokenType: 'Bearer',
      expiresIn: 900,
      refreshExpiresIn: 30 * 86_400,
      user: { displayName: 'Wendy', language: null },
    });
    const me = await h.app().get<Profile>('/me', { token: session.accessToken });
    expect(me.body.id).toBe(session.user.id);
  });

  it('refreshes with only the cookie and rotates it', async () => {
    const first = await signInToBrowser('Rory');
    const refreshed = await refreshWith(first.cookie);
    expect(refreshed.status).toBe(200);
    expect(refreshed.body).not.toHaveProperty('refreshToken');
    expect(refreshed.body.user.id).toBe(first.session.user.id);
    const rotated = sessionCookie(refreshed);
    expect(rotated).toMatchObject({ httpOnly: true, sameSite: 'lax', path: '/api/identity/auth' });
    expect(rotated?.value).toMatch(/^rt_/);
    expect(rotated?.value).not.toBe(first.cookie.value);
    expect((await h.app().get('/me', { token: refreshed.body.accessToken })).status).toBe(200);
    // The rotated cookie refreshes in turn.
    expect((await refreshWith(rotated)).status).toBe(200);
  });

  it('refuses a reused (old) cookie value, clears the cookie and ends the session', async () => {
    const first = await signInToBrowser('Reuse');
    const second = await refreshWith(first.cookie);
    const latest = sessionCookie(second) as SetCookie;

    const reuse = await refreshWith(first.cookie);
    expect(reuse.status).toBe(401);
    expect(reuse.body).toMatchObject({ code: 'UNAUTHENTICATED' });
    expectCleared(reuse);
    // The whole family is revoked: the latest cookie and its access token are dead too.
    const after = await refreshWith(latest);
    expect(after.status).toBe(401);
    expectCleared(after);
    expect((await h.app().get('/me', { token: second.body.accessToken })).status).toBe(401);
  });

  it.each([
    ['no cookie', undefined],
    ['an unknown token', `${REFRESH_COOKIE_NAME}=rt_unknown`],
    ['a value that is no refresh token', `${REFRESH_COOKIE_NAME}=${'x'.repeat(300)}`],
  ])('answers 401 to a refresh with %s and clears the cookie', async (_what, cookie) => {
    const res = await refreshWith(cookie);
    expect(res.status).toBe(401);
    expect(res.body).toMatchObject({ code: 'UNAUTHENTICATED' });
    expectCleared(res);
  });

  it('logout ends the session and clears the cookie; 204 without a cookie too', async () => {
    const { session, cookie } = await signInToBrowser('Leona');
    const out = await logoutWith(cookie);
    expect(out.status).toBe(204);
    expectCleared(out);
    expect((await refreshWith(cookie)).status).toBe(401);
    expect((await h.app().get('/me', { token: session.accessToken })).status).toBe(401);

    const again = await logoutWith(undefined);
    expect(again.status).toBe(204);
    expectCleared(again);
    expect((await logoutWith(`${REFRESH_COOKIE_NAME}=rt_unknown`)).status).toBe(204);
  });

  it.each([
    ['a form post', 'application/x-www-form-urlencoded', 'delivery=cookie'],
    ['a text/plain post', 'text/plain', '{"delivery":"cookie"}'],
    ['another JSON-like type', 'application/json-patch+json', '{"delivery":"cookie"}'],
  ])(
    'refuses cookie-mode refresh and logout sent as %s, changing nothing',
    async (_w, type, body) => {
      const { cookie } = await signInToBrowser('Csrf');
      const asForm = { body, headers: { 'content-type': type } };
      for (const path of ['/auth/refresh', '/auth/logout']) {
        const res = await h.app().post<{ code: string }>(path, {
          ...asForm,
          headers: { ...asForm.headers, cookie: sent(cookie) },
        });
        expect(res.status).toBe(400);
        expect(res.body.code).toBe('INVALID_ARGUMENT');
        expect(sessionCookie(res)).toBeUndefined();
      }
      // Neither rotated nor ended: the cookie still refreshes.
      expect((await refreshWith(cookie)).status).toBe(200);
    },
  );

  it('refuses a cookie-mode sign-in that is not JSON, and a token in the body in cookie mode', async () => {
    const users = await h.count('users');
    const form = await h.app().post('/auth/dev', {
      body: 'tenant=web&displayName=Form&delivery=cookie',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
    });
    expect(form.status).toBe(400);
    expect(sessionCookie(form)).toBeUndefined();
    expect(await h.count('users')).toBe(users);

    const { cookie } = await signInToBrowser('Both');
    const both = await h
      .app()
      .post<{ details: { issues: Array<{ path: string }> } }>('/auth/refresh', {
        body: { delivery: 'cookie', refreshToken: 'rt_x' },
        headers: { cookie: sent(cookie) },
      });
    expect(both.status).toBe(400);
    expect(both.body.details.issues.map((i) => i.path)).toContain('refreshToken');
    expect((await refreshWith(cookie)).status).toBe(200);
  });

  it('is Secure under auto for a public Host, and not for localhost', async () => {
    const publicHost = await signInToBrowser('Pub', { host: 'cascade.example.com' });
    expect(publicHost.cookie.secure).toBe(true);
    const refreshed = await refreshWith(publicHost.cookie, { host: 'cascade.example.com' });
    expect(sessionCookie(refreshed)?.secure).toBe(true);
    const cleared = await logoutWith(undefined, { host: 'cascade.example.com' });
    expect(sessionCookie(cleared)?.secure).toBe(true);

    for (const host of ['localhost:5173', '127.0.0.1', '[::1]:3001']) {
      expect((await signInToBrowser('Local', { host })).cookie.secure).toBeUndefined();
    }
  });

  it('follows the configured path and Secure setting', async () => {
    const app = await IdentityApp.start(
      h.env({ IDENTITY_REFRESH_COOKIE_PATH: '/auth', IDENTITY_REFRESH_COOKIE_SECURE: 'true' }),
    );
    try {
      const res = await app.post('/auth/dev', {
        body: { tenant: 'web', displayName: 'Conf', delivery: 'cookie' },
      });
      expect(sessionCookie(res)).toMatchObject({ path: '/auth', secure: true, httpOnly: true });
    } finally {
      await app.close();
    }
  });

  it('leaves body delivery as it was: the token in the body, no cookie', async () => {
    const res = await h.app().post<SessionTokens>('/auth/dev', {
      body: { tenant: 'web', displayName: 'Body' },
    });
    expect(res.body.refreshToken).toMatch(/^rt_/);
    expect(sessionCookie(res)).toBeUndefined();
    const refreshed = await h.app().post<SessionTokens>('/auth/refresh', {
      body: { refreshToken: res.body.refreshToken },
      headers: { 'content-type': 'application/json' },
    });
    expect(refreshed.status).toBe(200);
    expect(refreshed.body.refreshToken).toMatch(/^rt_/);
    expect(sessionCookie(refreshed)).toBeUndefined();
  });
});
