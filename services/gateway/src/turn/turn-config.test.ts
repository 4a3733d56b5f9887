import { loadConfig } from '@cascade/server-kit';

import { GatewayConfigSchema } from '../config';
import { iceServersFor } from './ice-servers';

const base = {
  NATS_URL: 'nats://127.0.0.1:4222',
  REDIS_URL: 'redis://127.0.0.1:6379',
  GATEWAY_AUTH_JWKS_URL: 'http://identity:3001/.well-known/jwks.json',
};
const SECRET = '0123456789abcdef0123456789abcdef';
const load = (env: Record<string, string | undefined>) =>
  loadConfig('gateway', GatewayConfigSchema, { ...base, ...env });

describe('gateway TURN configuration', () => {
  it('has no TURN unless told, and a day-long credential lifetime', () => {
    const config = load({});
    expect(config.GATEWAY_TURN_URLS).toEqual([]);
    expect(config.GATEWAY_TURN_SECRET).toBeUndefined();
    expect(config.GATEWAY_TURN_CREDENTIAL_TTL_SECONDS).toBe(86_400);
    expect(iceServersFor(config)('p_a')).toEqual([]);
  });

  it('takes URLs, the secret and the lifetime', () => {
    const config = load({
      GATEWAY_TURN_URLS: 'turn:turn.example.com:3478?transport=udp, turns:turn.example.com:443',
      GATEWAY_TURN_SECRET: SECRET,
      GATEWAY_TURN_CREDENTIAL_TTL_SECONDS: '600',
    });
    expect(config.GATEWAY_TURN_URLS).toEqual([
      'turn:turn.example.com:3478?transport=udp',
      'turns:turn.example.com:443',
    ]);
    expect(config.GATEWAY_TURN_CREDENTIAL_TTL_SECONDS).toBe(600);
  });

  it('hands each session the static servers and a TURN credential of its own', () => {
    const config = load({
      GATEWAY_ICE_SERVERS: '[{"urls":"stun:stun.example.com:3478"}]',
      GATEWAY_TURN_URLS: 'turn:turn.example.com:3478',
      GATEWAY_TURN_SECRET: SECRET,
    });
    const forSession = iceServersFor(config, () => 1_700_000_000_000);
    const [stun, turn] = forSession('p_a');
    expect(stun).toEqual({ urls: 'stun:stun.example.com:3478' });
    expect(turn).toMatchObject({
      urls: ['turn:turn.example.com:3478'],
      username: `${1_700_000_000 + 86_400}:p_a`,
    });
    expect(forSession('p_b')[1]?.credential).not.toBe(turn?.credential);
  });

  it.each([
    [
      'URLs without a secret',
      { GATEWAY_TURN_URLS: 'turn:t.example.com' },
      /GATEWAY_TURN_SECRET is required/,
    ],
    [
      'a STUN URL',
      { GATEWAY_TURN_URLS: 'stun:t.example.com', GATEWAY_TURN_SECRET: SECRET },
      /GATEWAY_TURN_URLS is invalid/,
    ],
    [
      'a short secret',
      { GATEWAY_TURN_URLS: 'turn:t.example.com', GATEWAY_TURN_SECRET: 'short' },
      /GATEWAY_TURN_SECRET is invalid/,
    ],
    [
      'a lifetime under a minute',
      { GATEWAY_TURN_CREDENTIAL_TTL_SECONDS: '30' },
      /GATEWAY_TURN_CREDENTIAL_TTL_SECONDS is invalid/,
    ],
  ])('refuses %s', (_what, env, message) => {
    expect(() => load(env)).toThrow(message);
  });
});
