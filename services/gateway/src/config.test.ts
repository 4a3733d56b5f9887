import { ConfigError, loadConfig } from '@cascade/server-kit';

import { GatewayConfigSchema } from './config';

const pem = '-----BEGIN PUBLIC KEY-----\\nAAAA\\n-----END PUBLIC KEY-----';
const base = {
  NATS_URL: 'nats://127.0.0.1:4222',
  REDIS_URL: 'redis://127.0.0.1:6379',
  GATEWAY_AUTH_JWKS_URL: 'http://identity:3001/.well-known/jwks.json',
};
const load = (env: Record<string, string | undefined>) =>
  loadConfig('gateway', GatewayConfigSchema, env);

describe('gateway configuration', () => {
  it('has defaults for everything but NATS, Redis and the keys that verify join tokens', () => {
    expect(load(base)).toMatchObject({
      HTTP_PORT: 3000,
      GATEWAY_AUTH_ISSUER: 'cascade-identity',
      GATEWAY_AUTH_AUDIENCE: 'cascade-join',
      GATEWAY_ACCESS_AUDIENCE: 'cascade-api',
      GATEWAY_USER_CONNECTIONS_MAX: 10,
      GATEWAY_AUTHORIZE_JOINS: true,
      GATEWAY_RESUME_GRACE_MS: 15_000,
      GATEWAY_RATE_LIMIT_PER_SECOND: 20,
      GATEWAY_RATE_LIMIT_BURST: 40,
      GATEWAY_ICE_SERVERS: [],
      GATEWAY_CORS_ORIGINS: [],
      GATEWAY_SOCKETIO_ADAPTER: 'classic',
      GATEWAY_REQUEST_TIMEOUT_MS: 5_000,
      GATEWAY_AUDIO_LOUDEST_ABOVE: 20,
      GATEWAY_AUDIO_LOUDEST_N: 3,
      GATEWAY_DYNACAST_LOWER_DELAY_MS: 2_000,
    });
    expect(load(base).GATEWAY_REGION).toBeUndefined();
  });

  it('takes a Redis Cluster from its seeds, with the sharded Socket.IO adapter unless told', () => {
    const cluster = {
      ...base,
      REDIS_MODE: 'cluster',
      REDIS_URL: 'redis://redis-0:6379,redis://redis-1:6379',
    };
    expect(load(cluster)).toMatchObject({
      REDIS_MODE: 'cluster',
      REDIS_URL: ['redis://redis-0:6379', 'redis://redis-1:6379'],
      GATEWAY_SOCKETIO_ADAPTER: 'sharded',
    });
    expect(load({ ...cluster, GATEWAY_SOCKETIO_ADAPTER: 'classic' }).GATEWAY_SOCKETIO_ADAPTER).toBe(
      'classic',
    );
    expect(() => load({ ...cluster, REDIS_MODE: undefined })).toThrow(
      /REDIS_URL is invalid: lists 2 servers: a list is for REDIS_MODE=cluster/,
    );
  });

  it('trusts no proxy unless told, and limits handshakes per address', () => {
    expect(load(base)).toMatchObject({
      GATEWAY_TRUST_PROXY: false,
      GATEWAY_HANDSHAKE_RATE_LIMIT_PER_MINUTE: 300,
    });
    expect(load({ ...base, GATEWAY_TRUST_PROXY: '1' }).GATEWAY_TRUST_PROXY).toBe(1);
    expect(() => load({ ...base, GATEWAY_TRUST_PROXY: 'true' })).toThrow(
      /GATEWAY_TRUST_PROXY is invalid/,
    );
  });

  it('takes PEM public keys instead of a JWKS, several at once, with \\n escapes', () => {
    const config = load({
      ...base,
      GATEWAY_AUTH_JWKS_URL: undefined,
      GATEWAY_AUTH_PUBLIC_KEYS: `${pem}\n${pem}`,
    });
    expect(config.GATEWAY_AUTH_PUBLIC_KEYS).toHaveLength(2);
    expect(config.GATEWAY_AUTH_PUBLIC_KEYS?.[0]).toContain('\n');
  });

  it('reads ICE servers as JSON and CORS origins as a list', () => {
    const config = load({
      ...base,
      GATEWAY_ICE_SERVERS:
        '[{"urls":"turn:turn.example.com:3478","username":"u","credential":"p"}]',
      GATEWAY_CORS_ORIGINS: 'https://app.example.com, http://localhost:5173',
      GATEWAY_AUTHORIZE_JOINS: 'false',
      GATEWAY_REGION: 'eu-west',
    });
    expect(config.GATEWAY_ICE_SERVERS).toEqual([
      { urls: 'turn:turn.example.com:3478', username: 'u', credential: 'p' },
    ]);
    expect(config.GATEWAY_CORS_ORIGINS).toEqual([
      'https://app.example.com',
      'http://localhost:5173',
    ]);
    expect(config.GATEWAY_AUTHORIZE_JOINS).toBe(false);
    expect(config.GATEWAY_REGION).toBe('eu-west');
  });

  it('takes the access token audience and the cap on user connections', () => {
    const config = load({
      ...base,
      GATEWAY_ACCESS_AUDIENCE: 'acme-api',
      GATEWAY_USER_CONNECTIONS_MAX: '3',
    });
    expect(config.GATEWAY_ACCESS_AUDIENCE).toBe('acme-api');
    expect(config.GATEWAY_USER_CONNECTIONS_MAX).toBe(3);
  });

  it('takes the room size above which only the loudest speakers are heard, and how many', () => {
    const config = load({
      ...base,
      GATEWAY_AUDIO_LOUDEST_ABOVE: '50',
      GATEWAY_AUDIO_LOUDEST_N: '5',
    });
    expect([config.GATEWAY_AUDIO_LOUDEST_ABOVE, config.GATEWAY_AUDIO_LOUDEST_N]).toEqual([50, 5]);
  });

  it.each([
    [
      'keys to verify join tokens',
      { GATEWAY_AUTH_JWKS_URL: undefined },
      /GATEWAY_AUTH_JWKS_URL is required/,
    ],
    ['both a JWKS and PEM keys', { GATEWAY_AUTH_PUBLIC_KEYS: pem }, /exactly one of/],
    [
      'a JWKS URL that is not http(s)',
      { GATEWAY_AUTH_JWKS_URL: 'ftp://x/jwks' },
      /GATEWAY_AUTH_JWKS_URL is invalid/,
    ],
    [
      'PEM text without a key',
      { GATEWAY_AUTH_JWKS_URL: undefined, GATEWAY_AUTH_PUBLIC_KEYS: 'nope' },
      /GATEWAY_AUTH_PUBLIC_KEYS is invalid/,
    ],
    [
      'ICE servers that are not JSON',
      { GATEWAY_ICE_SERVERS: '[{' },
      /GATEWAY_ICE_SERVERS is invalid/,
    ],
    [
      'ICE servers without urls',
      { GATEWAY_ICE_SERVERS: '[{"username":"u"}]' },
      /GATEWAY_ICE_SERVERS is invalid/,
    ],
    [
      'any origin (*), which credentials forbid',
      { GATEWAY_CORS_ORIGINS: '*' },
      /GATEWAY_CORS_ORIGINS is invalid.*cannot be \*/,
    ],
    [
      'a wildcard among the CORS origins',
      { GATEWAY_CORS_ORIGINS: 'https://app.example.com,https://*.example.com' },
      /GATEWAY_CORS_ORIGINS is invalid/,
    ],
    [
      'a CORS origin with a path',
      { GATEWAY_CORS_ORIGINS: 'https://a.example.com/app' },
      /GATEWAY_CORS_ORIGINS is invalid/,
    ],
    [
      'an unknown Socket.IO adapter',
      { GATEWAY_SOCKETIO_ADAPTER: 'cluster' },
      /GATEWAY_SOCKETIO_ADAPTER is invalid/,
    ],
    [
      'a zero rate limit',
      { GATEWAY_RATE_LIMIT_PER_SECOND: '0' },
      /GATEWAY_RATE_LIMIT_PER_SECOND is invalid/,
    ],
    [
      'a negative grace period',
      { GATEWAY_RESUME_GRACE_MS: '-1' },
      /GATEWAY_RESUME_GRACE_MS is invalid/,
    ],
    ['a region with capitals', { GATEWAY_REGION: 'EU' }, /GATEWAY_REGION is invalid/],
    [
      'a room size under two for limiting audio',
      { GATEWAY_AUDIO_LOUDEST_ABOVE: '1' },
      /GATEWAY_AUDIO_LOUDEST_ABOVE is invalid/,
    ],
    [
      'a negative dynacast lowering delay',
      { GATEWAY_DYNACAST_LOWER_DELAY_MS: '-1' },
      /GATEWAY_DYNACAST_LOWER_DELAY_MS is invalid/,
    ],
    [
      'no speaker heard at all',
      { GATEWAY_AUDIO_LOUDEST_N: '0' },
      /GATEWAY_AUDIO_LOUDEST_N is invalid/,
    ],
    [
      'more speakers than the room keeps',
      { GATEWAY_AUDIO_LOUDEST_N: '101' },
      /GATEWAY_AUDIO_LOUDEST_N is invalid/,
    ],
    [
      'the join audience for access tokens too',
      { GATEWAY_ACCESS_AUDIENCE: 'cascade-join' },
      /GATEWAY_ACCESS_AUDIENCE is invalid.*must differ from GATEWAY_AUTH_AUDIENCE/,
    ],
    [
      'no user connections at all',
      { GATEWAY_USER_CONNECTIONS_MAX: '0' },
      /GATEWAY_USER_CONNECTIONS_MAX is invalid/,
    ],
    [
      'a fractional user connection cap',
      { GATEWAY_USER_CONNECTIONS_MAX: '2.5' },
      /GATEWAY_USER_CONNECTIONS_MAX is invalid/,
    ],
    [
      'a boolean that is not one',
      { GATEWAY_AUTHORIZE_JOINS: 'maybe' },
      /GATEWAY_AUTHORIZE_JOINS is invalid/,
    ],
  ])('refuses %s, naming the variable', (_name, over, message) => {
    expect(() => load({ ...base, ...over })).toThrow(ConfigError);
    expect(() => load({ ...base, ...over })).toThrow(message);
  });
});

describe('gateway configuration: how stale identity’s cached keys may get', () => {
  it('allows an hour by default', () => {
    expect(load(base).GATEWAY_AUTH_JWKS_MAX_STALENESS_MS).toBe(3_600_000);
  });

  it('takes another limit, and refuses one too short to refresh within, by name', () => {
    expect(
      load({ ...base, GATEWAY_AUTH_JWKS_MAX_STALENESS_MS: '600000' })
        .GATEWAY_AUTH_JWKS_MAX_STALENESS_MS,
    ).toBe(600_000);
    expect(() => load({ ...base, GATEWAY_AUTH_JWKS_MAX_STALENESS_MS: '500' })).toThrow(
      /GATEWAY_AUTH_JWKS_MAX_STALENESS_MS is invalid/,
    );
  });
});
