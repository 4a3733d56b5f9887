import { parseSetCookie } from 'cookie';

import { type CookieSecurity, RefreshCookie, isLocalHost } from './refresh-cookie';

const cookie = (secure: CookieSecurity = 'auto') =>
  new RefreshCookie({ path: '/api/identity/auth', secure, maxAgeSeconds: 2_592_000 });

describe('the refresh token cookie', () => {
  it('is HttpOnly, SameSite=Lax, on the /auth path, as long-lived as the token', () => {
    const header = cookie().set('rt_abc-_123', 'cascade.example.com');
    expect(parseSetCookie(header)).toEqual({
      name: 'cascade_refresh',
      value: 'rt_abc-_123',
      httpOnly: true,
      sameSite: 'lax',
      path: '/api/identity/auth',
      maxAge: 2_592_000,
      secure: true,
    });
  });

  it.each([
    ['localhost', false],
    ['localhost:5173', false],
    ['127.0.0.1', false],
    ['127.0.0.1:3001', false],
    ['[::1]', false],
    ['[::1]:3001', false],
    ['LOCALHOST:80', false],
    ['cascade.example.com', true],
    ['localhost.example.com', true],
    ['127.0.0.1.nip.io', true],
    [undefined, true],
  ])('under auto, for Host %j, is Secure: %j', (host, secure) => {
    expect(cookie('auto').secure(host)).toBe(secure);
    expect(isLocalHost(host)).toBe(!secure);
  });

  it('is Secure, or not, regardless of the host when configured so', () => {
    expect(cookie('true').secure('localhost')).toBe(true);
    expect(cookie('false').secure('cascade.example.com')).toBe(false);
    expect(cookie('false').set('rt_x', 'cascade.example.com')).not.toMatch(/Secure/i);
  });

  it('clears with the same name, path and flags, expired', () => {
    const cleared = parseSetCookie(cookie().clear('localhost:5173'));
    expect(cleared).toMatchObject({
      name: 'cascade_refresh',
      value: '',
      path: '/api/identity/auth',
      httpOnly: true,
      sameSite: 'lax',
      maxAge: 0,
    });
    expect(cleared.expires?.getTime()).toBe(0);
    expect(cleared.secure).toBeUndefined();
  });

  it('reads the token from a Cookie header among other cookies', () => {
    expect(cookie().read('a=1; cascade_refresh=rt_abc; b=2')).toBe('rt_abc');
    expect(cookie().read('cascade_refresh=rt_abc')).toBe('rt_abc');
  });

  it('reads nothing when the cookie is absent, empty or not a refresh token', () => {
    expect(cookie().read(undefined)).toBeUndefined();
    expect(cookie().read('')).toBeUndefined();
    expect(cookie().read('other=rt_abc')).toBeUndefined();
    expect(cookie().read('cascade_refresh=')).toBeUndefined();
    expect(cookie().read(`cascade_refresh=${'x'.repeat(300)}`)).toBeUndefined();
  });
});
