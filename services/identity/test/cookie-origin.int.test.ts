import { REFRESH_COOKIE_NAME, type WebSession } from '@cascade/contracts';
import { parseSetCookie } from 'cookie';

import { type Response, useIdentity } from './support/identity-harness';

const WEB_APP = 'https://cascade.localhost';
const h = useIdentity({ IDENTITY_PUBLIC_ORIGINS: `${WEB_APP},http://localhost:8080` });

beforeAll(async () => {
  await h.createTenant('origin');
});

function sessionCookie(res: Response): string {
  const cookie = res.headers
    .getSetCookie()
    .map((c) => parseSetCookie(c))
    .find((c) => c.name === REFRESH_COOKIE_NAME);
  if (!cookie?.value) throw new Error('no session cookie was set');
  return `${cookie.name}=${cookie.value}`;
}

async function signIn(displayName: string, origin = WEB_APP): Promise<string> {
  const res = await h.app().post<WebSession>('/auth/dev', {
    headers: { origin },
    body: { tenant: 'origin', displayName, delivery: 'cookie' },
  });
  expect(res.status).toBe(200);
  return sessionCookie(res);
}

const withCookie = (path: string, cookie: string, origin?: string) =>
  h.app().post<{ code?: string; details?: { origin?: string } }>(path, {
    body: { delivery: 'cookie' },
    headers: { cookie, ...(origin !== undefined && { origin }) },
  });

describe('cookie-authenticated endpoints check the Origin of the page that calls them', () => {
  it('refreshes and signs out from the web app’s own origins', async () => {
    const cookie = await signIn('Olive');
    const refreshed = await withCookie('/auth/refresh', cookie, WEB_APP);
    expect(refreshed.status).toBe(200);
    const next = sessionCookie(refreshed);
    expect((await withCookie('/auth/logout', next, 'http://localhost:8080')).status).toBe(204);
  });

  it('refuses refresh and logout from a foreign page with FORBIDDEN, and the session lives on', async () => {
    const cookie = await signIn('Fiona');
    for (const path of ['/auth/refresh', '/auth/logout']) {
      for (const origin of ['https://evil.example', 'null', 'https://cascade.localhost:444']) {
        const res = await withCookie(path, cookie, origin);
        expect([path, origin, res.status, res.body.code]).toEqual([path, origin, 403, 'FORBIDDEN']);
        expect(res.headers.getSetCookie()).toEqual([]);
      }
    }
    // Neither the refused refresh nor the refused logout touched the session.
    expect((await withCookie('/auth/refresh', cookie, WEB_APP)).status).toBe(200);
  });

  it('lets a request without Origin through (not a browser page: curl, a server)', async () => {
    const cookie = await signIn('Nora');
    expect((await withCookie('/auth/refresh', cookie)).status).toBe(200);
  });

  it('refuses a cookie sign-in started by a foreign page', async () => {
    const res = await h.app().post<{ code?: string }>('/auth/dev', {
      headers: { origin: 'https://evil.example' },
      body: { tenant: 'origin', displayName: 'Mallory', delivery: 'cookie' },
    });
    expect(res.status).toBe(403);
    expect(res.body.code).toBe('FORBIDDEN');
    expect(res.headers.getSetCookie()).toEqual([]);
  });
});
