import { ConfigError, loadConfig } from '@cascade/server-kit';

import { RoomsConfigSchema } from './config';

const base = {
  DATABASE_URL: 'postgresql://postgres@127.0.0.1:5432/rooms',
  NATS_URL: 'nats://127.0.0.1:4222',
  REDIS_URL: 'redis://127.0.0.1:6379',
  ROOMS_AUTH_ISSUER: 'https://identity',
  ROOMS_AUTH_AUDIENCE: 'cascade',
  ROOMS_AUTH_JWKS_URL: 'http://identity:3001/.well-known/jwks.json',
};

describe('rooms configuration', () => {
  it('has defaults for everything but the database, NATS, Redis and token verification', () => {
    expect(loadConfig('rooms', RoomsConfigSchema, base)).toMatchObject({
      HTTP_PORT: 3002,
      ROOMS_MAX_CAPACITY: 500,
      ROOMS_MAX_VIEWER_CAPACITY: 10_000,
      ROOMS_SEAT_HOLD_SECONDS: 30,
      ROOMS_TRUST_PROXY: false,
      ROOMS_RATE_LIMIT_PER_MINUTE: 120,
      ROOMS_ADDRESS_RATE_LIMIT_PER_MINUTE: 600,
      ROOMS_MIGRATE_ON_START: true,
    });
  });

  it('reads several PEM keys, with \\n escapes', () => {
    const pem = '-----BEGIN PUBLIC KEY-----\\nAAAA\\n-----END PUBLIC KEY-----';
    const config = loadConfig('rooms', RoomsConfigSchema, {
      ...base,
      ROOMS_AUTH_JWKS_URL: undefined,
      ROOMS_AUTH_PUBLIC_KEYS: `${pem}\n${pem}`,
    });
    expect(config.ROOMS_AUTH_PUBLIC_KEYS).toHaveLength(2);
  });

  it.each([
    ['the issuer', { ROOMS_AUTH_ISSUER: undefined }, /ROOMS_AUTH_ISSUER is required/],
    ['keys to verify tokens', { ROOMS_AUTH_JWKS_URL: undefined }, /ROOMS_AUTH_JWKS_URL/],
    ['a sane capacity ceiling', { ROOMS_MAX_CAPACITY: '1' }, /ROOMS_MAX_CAPACITY is invalid/],
    ['Redis for the rate limits', { REDIS_URL: undefined }, /REDIS_URL is required/],
    ['trusting every proxy', { ROOMS_TRUST_PROXY: 'true' }, /ROOMS_TRUST_PROXY is invalid/],
  ])('refuses to start without %s, naming the variable', (_name, over, message) => {
    expect(() => loadConfig('rooms', RoomsConfigSchema, { ...base, ...over })).toThrow(ConfigError);
    expect(() => loadConfig('rooms', RoomsConfigSchema, { ...base, ...over })).toThrow(message);
  });
});
