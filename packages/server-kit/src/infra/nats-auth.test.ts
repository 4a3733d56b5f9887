import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { z } from 'zod';

import { ConfigError, loadConfig, natsEnv } from '../config';
import { assertNatsAuth, natsAuthOptions, natsAuthProblems } from './nats-auth';
import { natsConnectionOptions } from './nats.module';

const load = (env: Record<string, string>) =>
  loadConfig('svc', z.object(natsEnv), { NATS_URL: 'nats://127.0.0.1:4222', ...env });

describe('NATS credentials of a service', () => {
  it('takes a user and password, a token, or a credentials file', () => {
    expect(natsAuthOptions(load({ NATS_USER: 'gateway', NATS_PASSWORD: 'pw' }))).toEqual({
      user: 'gateway',
      pass: 'pw',
    });
    expect(natsAuthOptions(load({ NATS_TOKEN: 'a-long-token' }))).toEqual({
      token: 'a-long-token',
    });
    const dir = mkdtempSync(join(tmpdir(), 'creds-'));
    const creds = join(dir, 'svc.creds');
    writeFileSync(creds, 'not read until connecting');
    const options = natsAuthOptions(load({ NATS_CREDS: creds }));
    expect(typeof options.authenticator).toBe('function');
    expect(natsAuthOptions(load({}))).toEqual({});
  });

  it('connects with them, and takes replies on the service’s own inbox', () => {
    const config = load({ NATS_USER: 'rooms', NATS_PASSWORD: 'pw' });
    expect(
      natsConnectionOptions(config, { name: 'rooms', version: '1', instanceId: 'i' }, 'client'),
    ).toMatchObject({
      servers: ['nats://127.0.0.1:4222'],
      user: 'rooms',
      pass: 'pw',
      inboxPrefix: '_INBOX.rooms',
    });
  });

  it.each([
    ['a user without a password', { NATS_USER: 'u' }, 'NATS_PASSWORD', /required with NATS_USER/],
    [
      'a password without a user',
      { NATS_PASSWORD: 'p' },
      'NATS_USER',
      /required with NATS_PASSWORD/,
    ],
    [
      'a user and a token',
      { NATS_USER: 'u', NATS_PASSWORD: 'p', NATS_TOKEN: 'a-long-token' },
      'NATS_TOKEN',
      /one way/,
    ],
    [
      'credentials in the URL too',
      { NATS_URL: 'nats://a:b@127.0.0.1:4222', NATS_TOKEN: 'a-long-token' },
      'NATS_URL',
      /one place/,
    ],
    [
      'a credentials file that is not there',
      { NATS_CREDS: '/nonexistent/x.creds' },
      'NATS_CREDS',
      /ENOENT/,
    ],
  ])('refuses %s at start', (_what, env, variable, problem) => {
    const config = load(env as Record<string, string>);
    expect(natsAuthProblems(config)).toEqual([
      { variable, problem: expect.stringMatching(problem) },
    ]);
    expect(() => assertNatsAuth('svc', config)).toThrow(ConfigError);
  });

  it('refuses a user name with spaces and a short token', () => {
    expect(() => load({ NATS_USER: 'a b', NATS_PASSWORD: 'p' })).toThrow(/NATS_USER is invalid/);
    expect(() => load({ NATS_TOKEN: 'short' })).toThrow(/NATS_TOKEN is invalid/);
  });
});
