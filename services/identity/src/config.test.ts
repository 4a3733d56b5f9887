import { generateKeyPairSync } from 'node:crypto';

import { ConfigError, loadConfig } from '@cascade/server-kit';

import { IdentityConfigSchema } from './config';

const key = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({
  type: 'pkcs8',
  format: 'pem',
}) as string;

const base = {
  NATS_URL: 'nats://127.0.0.1:4222',
  DATABASE_URL: 'postgresql://postgres@127.0.0.1:5432/identity',
  REDIS_URL: 'redis://127.0.0.1:6379',
  IDENTITY_SIGNING_KEYS: JSON.stringify({ k1: key }),
};

function problems(env: Record<string, string>): string[] {
  try {
    loadConfig('identity', IdentityConfigSchema, env);
  } catch (error) {
    if (error instanceof ConfigError) return error.problems.map((p) => p.variable);
    throw error;
  }
  return [];
}

describe('identity configuration', () => {
  it('has safe defaults: dev sign-in off, 15-minute access tokens', () => {
    const config = loadConfig('identity', IdentityConfigSchema, base);
    expect(config.IDENTITY_DEV_LOGIN).toBe(false);
    expect(config.IDENTITY_ACCESS_TOKEN_TTL_SECONDS).toBe(900);
    expect(config.IDENTITY_SIGNING_KEYS.map((k) => k.alg)).toEqual(['ES256']);
  });

  it('trusts no proxy unless told, and limits per address, account and API key', () => {
    expect(loadConfig('identity', IdentityConfigSchema, base)).toMatchObject({
      IDENTITY_TRUST_PROXY: false,
      IDENTITY_RATE_LIMIT_PER_MINUTE: 60,
      IDENTITY_ACCOUNT_RATE_LIMIT_PER_MINUTE: 30,
      IDENTITY_API_KEY_RATE_LIMIT_PER_MINUTE: 600,
    });
    expect(
      loadConfig('identity', IdentityConfigSchema, { ...base, IDENTITY_TRUST_PROXY: '1' }),
    ).toMatchObject({ IDENTITY_TRUST_PROXY: 1 });
    expect(problems({ ...base, IDENTITY_TRUST_PROXY: 'true' })).toEqual(['IDENTITY_TRUST_PROXY']);
    const { REDIS_URL: _redis, ...withoutRedis } = base;
    expect(problems(withoutRedis)).toEqual(['REDIS_URL']);
  });

  it('scopes the session cookie to the proxied /auth path, Secure outside localhost', () => {
    const config = loadConfig('identity', IdentityConfigSchema, base);
    expect(config.IDENTITY_REFRESH_COOKIE_PATH).toBe('/api/identity/auth');
    expect(config.IDENTITY_REFRESH_COOKIE_SECURE).toBe('auto');
    expect(config.IDENTITY_DEFAULT_TENANT).toBeUndefined();
  });

  it('gives a refresh token a short reuse grace, 0 to 60 seconds', () => {
    expect(
      loadConfig('identity', IdentityConfigSchema, base).IDENTITY_REFRESH_REUSE_GRACE_SECONDS,
    ).toBe(10);
    for (const bad of ['-1', '61', '1.5', 'soon']) {
      expect(problems({ ...base, IDENTITY_REFRESH_REUSE_GRACE_SECONDS: bad })).toEqual([
        'IDENTITY_REFRESH_REUSE_GRACE_SECONDS',
      ]);
    }
  });

  it('refuses development sign-in outside localhost unless told it is on purpose', () => {
    const dev = { ...base, IDENTITY_DEV_LOGIN: 'true' };
    expect(problems(dev)).toEqual([]);
    expect(
      problems({ ...dev, IDENTITY_PUBLIC_ORIGINS: 'http://localhost:5173,https://app.localhost' }),
    ).toEqual([]);
    expect(problems({ ...dev, IDENTITY_PUBLIC_ORIGINS: 'https://cascade.example.com' })).toEqual([
      'IDENTITY_DEV_LOGIN',
    ]);
    expect(
      problems({
        ...dev,
        GOOGLE_CLIENT_ID: 'id',
        GOOGLE_CLIENT_SECRET: 'secret',
        GOOGLE_CALLBACK_URL: 'https://cascade.example.com/auth/google/callback',
      }),
    ).toEqual(['IDENTITY_DEV_LOGIN']);
    expect(problems({ ...dev, NODE_ENV: 'production' })).toEqual(['IDENTITY_DEV_LOGIN']);
    expect(() =>
      loadConfig('identity', IdentityConfigSchema, {
        ...dev,
        IDENTITY_PUBLIC_ORIGINS: 'https://cascade.example.com',
      }),
    ).toThrow(/IDENTITY_DEV_LOGIN_UNSAFE=true/);
    expect(
      problems({
        ...dev,
        IDENTITY_PUBLIC_ORIGINS: 'https://cascade.example.com',
        IDENTITY_DEV_LOGIN_UNSAFE: 'true',
      }),
    ).toEqual([]);
    // Off (the default), any public origin is fine.
    expect(problems({ ...base, IDENTITY_PUBLIC_ORIGINS: 'https://cascade.example.com' })).toEqual(
      [],
    );
  });

  it('takes the public origins as a list of bare origins', () => {
    expect(loadConfig('identity', IdentityConfigSchema, base).IDENTITY_PUBLIC_ORIGINS).toEqual([
      'http://localhost:8080',
      'http://127.0.0.1:8080',
    ]);
    expect(
      loadConfig('identity', IdentityConfigSchema, {
        ...base,
        IDENTITY_PUBLIC_ORIGINS: 'https://a.example.com, https://b.example.com',
      }).IDENTITY_PUBLIC_ORIGINS,
    ).toEqual(['https://a.example.com', 'https://b.example.com']);
    expect(problems({ ...base, IDENTITY_PUBLIC_ORIGINS: 'https://a.example.com/app' })).toEqual([
      'IDENTITY_PUBLIC_ORIGINS',
    ]);
  });

  it('names what is wrong', () => {
    expect(problems({ ...base, IDENTITY_SIGNING_KEYS: '' })).toEqual(['IDENTITY_SIGNING_KEYS']);
    expect(problems({ ...base, IDENTITY_SIGNING_KEYS: '{"k1":"nope"}' })).toEqual([
      'IDENTITY_SIGNING_KEYS',
    ]);
    expect(problems({ ...base, IDENTITY_ACTIVE_KEY_ID: 'k9' })).toEqual(['IDENTITY_ACTIVE_KEY_ID']);
    expect(
      problems({ ...base, IDENTITY_SIGNING_KEYS: JSON.stringify({ a: key, b: key }) }),
    ).toEqual(['IDENTITY_ACTIVE_KEY_ID']);
    expect(problems({ ...base, GOOGLE_CLIENT_ID: 'x' }).sort()).toEqual([
      'GOOGLE_CALLBACK_URL',
      'GOOGLE_CLIENT_SECRET',
    ]);
    expect(problems({ ...base, IDENTITY_ADMIN_TOKEN: 'short' })).toEqual(['IDENTITY_ADMIN_TOKEN']);
    expect(problems({ ...base, IDENTITY_REFRESH_COOKIE_PATH: 'auth' })).toEqual([
      'IDENTITY_REFRESH_COOKIE_PATH',
    ]);
    expect(problems({ ...base, IDENTITY_REFRESH_COOKIE_PATH: '/auth; Domain=evil.test' })).toEqual([
      'IDENTITY_REFRESH_COOKIE_PATH',
    ]);
    expect(problems({ ...base, IDENTITY_REFRESH_COOKIE_SECURE: 'yes' })).toEqual([
      'IDENTITY_REFRESH_COOKIE_SECURE',
    ]);
    expect(problems({ ...base, IDENTITY_DEFAULT_TENANT: 'Not A Slug' })).toEqual([
      'IDENTITY_DEFAULT_TENANT',
    ]);
  });
});
