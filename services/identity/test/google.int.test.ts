import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';

import {
  type AuthMethods,
  REFRESH_COOKIE_NAME,
  type SessionTokens,
  type WebSession,
} from '@cascade/contracts';
import { freePort } from '@cascade/testing';
import { parseSetCookie } from 'cookie';

import { IdentityApp, useIdentity } from './support/identity-harness';

const h = useIdentity();
const profileFile = join(mkdtempSync(join(tmpdir(), 'identity-google-')), 'profile.json');
let mock: ChildProcess;
let mockUrl: string;
let app: IdentityApp;

function googleUser(profile: Record<string, unknown>): void {
  writeFileSync(profileFile, JSON.stringify(profile));
}

beforeAll(async () => {
  mock = spawn(process.execPath, [join(__dirname, 'support', 'oauth-mock-server.mjs')], {
    env: { ...process.env, PROFILE_FILE: profileFile },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const line = await new Promise<string>((resolve, reject) => {
    createInterface({ input: mock.stdout! }).once('line', resolve);
    mock.once('exit', (code) => reject(new Error(`mock OAuth server exited ${code}`)));
  });
  mockUrl = (JSON.parse(line) as { url: string }).url;
  const port = await freePort();
  app = await IdentityApp.start(
    h.env({
      GOOGLE_CLIENT_ID: 'cascade-test-client',
      GOOGLE_CLIENT_SECRET: 'cascade-test-secret',
      GOOGLE_CALLBACK_URL: `http://127.0.0.1:${port}/auth/google/callback`,
      GOOGLE_AUTHORIZATION_URL: `${mockUrl}/authorize`,
      GOOGLE_TOKEN_URL: `${mockUrl}/token`,
      GOOGLE_USERINFO_URL: `${mockUrl}/userinfo`,
    }),
    port,
  );
  await h.createTenant('google', { allowedOrigins: ['https://app.google-tenant.test'] });
  await h.createTenant('google-two');
}, 60_000);

afterAll(async () => {
  await app?.close();
  mock?.kill('SIGTERM');
});

interface Started {
  authorizeUrl: URL;
  cookie: string;
}

/** Step 1: /auth/google answers a redirect to the provider and sets the state cookie. */
async function start(query: string): Promise<Started> {
  const res = await fetch(`${app.url}/auth/google?${query}`, { redirect: 'manual' });
  expect(res.status).toBe(302);
  const setCookie = res.headers.get('set-cookie') ?? '';
  expect(setCookie).toMatch(/cascade_oauth_state=[^;]+;.*HttpOnly/i);
  // Scoped to the callback as the browser reaches it (GOOGLE_CALLBACK_URL's path).
  expect(parseSetCookie(setCookie).path).toBe('/auth/google/callback');
  return {
    authorizeUrl: new URL(res.headers.get('location') as string),
    cookie: setCookie.split(';')[0] as string,
  };
}

/** Step 2: the provider's authorize endpoint redirects back to the callback with code and state. */
async function authorize(started: Started): Promise<URL> {
  const res = await fetch(started.authorizeUrl, { redirect: 'manual' });
  expect(res.status).toBe(302);
  return new URL(res.headers.get('location') as string);
}

/** Step 3: the browser follows the redirect to the callback, with its cookie. */
function callback(url: URL, cookie?: string): Promise<Response> {
  return fetch(url, { redirect: 'manual', headers: cookie ? { cookie } : {} });
}

async function signInWithGoogle(query = 'tenant=google'): Promise<SessionTokens> {
  const started = await start(query);
  const back = await authorize(started);
  const res = await callback(back, started.cookie);
  expect(res.status).toBe(200);
  return (await res.json()) as SessionTokens;
}

describe('Google sign-in', () => {
  it('runs the redirect flow with state and creates the user from the profile', async () => {
    googleUser({
      sub: 'google-sub-1',
      name: 'Ada Lovelace',
      given_name: 'Ada',
      family_name: 'Lovelace',
      email: 'ada@example.com',
      email_verified: true,
      picture: 'https://lh3.googleusercontent.test/ada.png',
    });
    const started = await start('tenant=google');
    expect(started.authorizeUrl.origin).toBe(mockUrl);
    expect(started.authorizeUrl.pathname).toBe('/authorize');
    expect(started.authorizeUrl.searchParams.get('client_id')).toBe('cascade-test-client');
    expect(started.authorizeUrl.searchParams.get('scope')).toBe('openid email profile');
    expect(started.authorizeUrl.searchParams.get('state')).toEqual(expect.any(String));

    const back = await authorize(started);
    expect(back.pathname).toBe('/auth/google/callback');
    expect(back.searchParams.get('state')).toBe(started.authorizeUrl.searchParams.get('state'));
    const res = await callback(back, started.cookie);
    expect(res.status).toBe(200);
    const session = (await res.json()) as SessionTokens;
    expect(session.user).toMatchObject({
      displayName: 'Ada Lovelace',
      givenName: 'Ada',
      familyName: 'Lovelace',
      email: 'ada@example.com',
      avatarSource: 'google',
      avatarUrl: 'https://lh3.googleusercontent.test/ada.png',
      hasGooglePicture: true,
    });
    expect((await app.get('/me', { token: session.accessToken })).status).toBe(200);
  });

  it('signs the same Google account in as the same user, its profile updated', async () => {
    googleUser({
      sub: 'google-sub-2',
      name: 'Bo',
      given_name: 'Bo',
      email: 'bo@example.com',
      email_verified: true,
    });
    const first = await signInWithGoogle();
    expect(first.user.avatarSource).toBe('generated');
    googleUser({
      sub: 'google-sub-2',
      name: 'Bo',
      given_name: 'Bonnie',
      email: 'bo@example.com',
      email_verified: true,
      picture: 'https://pic.test/bo.png',
    });
    const second = await signInWithGoogle();
    expect(second.user.id).toBe(first.user.id);
    expect(second.user).toMatchObject({ givenName: 'Bonnie', hasGooglePicture: true });
    // The user may choose the Google picture, or go back to the generated avatar.
    const toGoogle = await app.patch<{ avatarUrl: string }>('/me', {
      token: second.accessToken,
      body: { avatarSource: 'google' },
    });
    expect(toGoogle.body.avatarUrl).toBe('https://pic.test/bo.png');
    const back = await app.patch<{ avatarUrl: string }>('/me', {
      token: second.accessToken,
      body: { avatarSource: 'generated' },
    });
    expect(back.body.avatarUrl).toMatch(/^data:image\/svg\+xml;base64,/);
  });

  it('keeps tenants apart: the same Google account is a different user in another tenant', async () => {
    googleUser({ sub: 'google-sub-3', name: 'Cy', email: 'cy@example.com', email_verified: true });
    const one = await signInWithGoogle('tenant=google');
    const two = await signInWithGoogle('tenant=google-two');
    expect(two.user.id).not.toBe(one.user.id);
    expect(two.user.tenantId).not.toBe(one.user.tenantId);
  });

  it('redirects to an allowed returnTo with the tokens in the fragment', async () => {
    googleUser({ sub: 'google-sub-4', name: 'Di' });
    const started = await start(
      `tenant=google&returnTo=${encodeURIComponent('https://app.google-tenant.test/signed-in')}`,
    );
    const res = await callback(await authorize(started), started.cookie);
    expect(res.status).toBe(302);
    const location = new URL(res.headers.get('location') as string);
    expect(location.origin + location.pathname).toBe('https://app.google-tenant.test/signed-in');
    const fragment = new URLSearchParams(location.hash.slice(1));
    expect(fragment.get('access_token')).toEqual(expect.any(String));
    expect(fragment.get('refresh_token')).toMatch(/^rt_/);
  });

  it('refuses a returnTo outside the allowed origins, an unknown tenant and bad queries', async () => {
    const evil = await app.get(
      `/auth/google?tenant=google&returnTo=${encodeURIComponent('https://evil.test/')}`,
    );
    expect(evil.status).toBe(400);
    expect(evil.body).toMatchObject({ details: { issues: [{ path: 'returnTo' }] } });
    expect((await app.get('/auth/google?tenant=missing')).status).toBe(404);
    expect((await app.get('/auth/google')).status).toBe(400);
    expect((await app.get('/auth/google?tenant=google&extra=1')).status).toBe(400);
  });

  it('refuses a callback without the browser cookie, with a forged state, or twice', async () => {
    googleUser({ sub: 'google-sub-5', name: 'Eve' });
    const usersBefore = await h.count('users');
    const started = await start('tenant=google');
    const back = await authorize(started);

    const noCookie = await callback(back);
    expect(noCookie.status).toBe(401);
    expect(await noCookie.json()).toMatchObject({ code: 'UNAUTHENTICATED' });

    const forged = new URL(back);
    forged.searchParams.set('state', 'forged-state');
    expect((await callback(forged, 'cascade_oauth_state=forged-state')).status).toBe(401);

    expect((await callback(back, started.cookie)).status).toBe(200);
    // The state is single-use: replaying the same callback fails.
    expect((await callback(back, started.cookie)).status).toBe(401);
    expect(await h.count('users')).toBe(usersBefore + 1);
  });

  it('with cookie delivery and a path returnTo, sets the session cookie and sends the browser to the path with no token', async () => {
    googleUser({
      sub: 'google-sub-6',
      name: 'Fay',
      email: 'fay@example.com',
      email_verified: true,
    });
    const returnTo = '/rooms/room-1?lang=en';
    const started = await start(
      `tenant=google-two&delivery=cookie&returnTo=${encodeURIComponent(returnTo)}`,
    );
    const res = await callback(await authorize(started), started.cookie);
    expect(res.status).toBe(302);
    expect(res.headers.get('location')).toBe(returnTo);
    const session = res.headers
      .getSetCookie()
      .map((c) => parseSetCookie(c))
      .find((c) => c.name === REFRESH_COOKIE_NAME);
    expect(session).toMatchObject({
      value: expect.stringMatching(/^rt_/),
      httpOnly: true,
      sameSite: 'lax',
      path: '/api/identity/auth',
    });
    // The cookie is the session: it refreshes into a WebSession of the Google user.
    const refreshed = await app.post<WebSession>('/auth/refresh', {
      body: { delivery: 'cookie' },
      headers: { cookie: `${REFRESH_COOKIE_NAME}=${session?.value}` },
    });
    expect(refreshed.status).toBe(200);
    expect(refreshed.body.user).toMatchObject({ displayName: 'Fay', email: 'fay@example.com' });
    expect(refreshed.body).not.toHaveProperty('refreshToken');
  });

  it('with cookie delivery, redirects to an allowed address without a fragment, or answers a WebSession', async () => {
    googleUser({ sub: 'google-sub-7', name: 'Gus' });
    const started = await start(
      `tenant=google&delivery=cookie&returnTo=${encodeURIComponent('https://app.google-tenant.test/in#x')}`,
    );
    const res = await callback(await authorize(started), started.cookie);
    expect(res.status).toBe(302);
    expect(res.headers.get('location')).toBe('https://app.google-tenant.test/in#x');
    expect(res.headers.get('location')).not.toMatch(/token/);

    const plain = await start('tenant=google&delivery=cookie');
    const json = await callback(await authorize(plain), plain.cookie);
    expect(json.status).toBe(200);
    const body = (await json.json()) as WebSession;
    expect(body).not.toHaveProperty('refreshToken');
    expect(body.user.displayName).toBe('Gus');
    expect(json.headers.getSetCookie().join('\n')).toMatch(/cascade_refresh=rt_/);
  });

  it.each([
    ['a path without cookie delivery', 'tenant=google&returnTo=%2Frooms'],
    [
      'another site with cookie delivery',
      'tenant=google&delivery=cookie&returnTo=https%3A%2F%2Fevil.test%2F',
    ],
    ['a protocol-relative address', 'tenant=google&delivery=cookie&returnTo=%2F%2Fevil.test%2Fx'],
    ['a backslash path', 'tenant=google&delivery=cookie&returnTo=%2F%5Cevil.test'],
    ['an unknown delivery', 'tenant=google&delivery=url'],
  ])('refuses %s', async (_what, query) => {
    const res = await app.get<{ code: string }>(`/auth/google?${query}`);
    expect(res.status).toBe(400);
    expect(res.body.code).toBe('INVALID_ARGUMENT');
  });

  it('is offered by GET /auth/methods', async () => {
    const res = await app.get<AuthMethods>('/auth/methods?tenant=google');
    expect(res.body).toMatchObject({ tenant: { slug: 'google' }, devLogin: true, google: true });
  });

  it('reports a provider error (the user cancelled) as 401', async () => {
    const res = await app.get('/auth/google/callback?error=access_denied&state=x');
    expect(res.status).toBe(401);
  });

  it('does not exist without Google configuration', async () => {
    expect((await h.app().get('/auth/google?tenant=google')).status).toBe(404);
  });
});
