import { PROTOCOL_VERSION } from '@cascade/contracts';

import { FakeGateway } from '../../test/support/fake-gateway';
import { silentLogger } from '../logger';
import { resolveBackoff } from './backoff';
import { RetryPolicy } from './retry-policy';
import { Connector, type ConnectorOptions } from './connector';

function connector(options: Partial<ConnectorOptions> = {}) {
  const gateway = new FakeGateway();
  const sleeps: number[] = [];
  const connector = new Connector({
    urls: ['ws://a', 'ws://b', 'ws://c'],
    token: 'tok',
    resume: true,
    connectTimeoutMs: 1_000,
    requestTimeoutMs: 1_000,
    retry: new RetryPolicy(
      resolveBackoff({ initialDelayMs: 10, maxDelayMs: 40, jitter: 0, maxAttempts: 4 }),
    ),
    socketFactory: gateway.factory,
    logger: silentLogger,
    sleep: async (ms) => void sleeps.push(ms),
    ...options,
  });
  return { gateway, connector, sleeps };
}

const never = () => false;

describe('Connector', () => {
  describe('first connection', () => {
    it('tries the gateways in order, at once, and keeps the first that accepts', async () => {
      const { gateway, connector: c, sleeps } = connector();
      gateway.unreachable.add('ws://a');
      const connection = await c.connect(never);
      expect(connection?.url).toBe('ws://b');
      expect(connection?.resumeTokenSent).toBe(false);
      expect(gateway.sockets.map((s) => s.url)).toEqual(['ws://a', 'ws://b']);
      expect(gateway.sockets[1]?.auth).toEqual({ protocolVersion: PROTOCOL_VERSION, token: 'tok' });
      expect(sleeps).toEqual([]);
    });

    it('fails with the last error when no gateway can be reached', async () => {
      const { gateway, connector: c } = connector();
      for (const url of ['ws://a', 'ws://b', 'ws://c']) gateway.unreachable.add(url);
      await expect(c.connect(never)).rejects.toMatchObject({ code: 'NODE_UNAVAILABLE' });
      expect(gateway.sockets).toHaveLength(3);
    });

    it('stops at a refusal that no other gateway would answer differently', async () => {
      const { gateway, connector: c } = connector();
      gateway.refusals.push({ code: 'FORBIDDEN', message: 'no join grant' });
      await expect(c.connect(never)).rejects.toMatchObject({ code: 'FORBIDDEN' });
      expect(gateway.sockets).toHaveLength(1);
    });
  });

  describe('reconnection', () => {
    it('moves to the next gateway after the backoff, with the resume token and a fresh token', async () => {
      let n = 0;
      const { gateway, connector: c, sleeps } = connector({ token: async () => `tok-${++n}` });
      await c.connect(never);
      c.resumeToken = 'resume-0123456789abcdef';
      gateway.unreachable.add('ws://b');
      const connection = await c.reconnect(never);
      expect(connection?.url).toBe('ws://c');
      expect(connection?.resumeTokenSent).toBe(true);
      expect(gateway.sockets.map((s) => [s.url, s.auth.token, s.auth.resumeToken])).toEqual([
        ['ws://a', 'tok-1', undefined],
        ['ws://b', 'tok-2', 'resume-0123456789abcdef'],
        ['ws://c', 'tok-3', 'resume-0123456789abcdef'],
      ]);
      expect(sleeps).toEqual([10, 20]);
    });

    it('forgets a resume token the gateway no longer knows and goes on with the join token', async () => {
      const { gateway, connector: c } = connector({ token: async () => 'tok' });
      await c.connect(never);
      c.resumeToken = 'resume-0123456789abcdef';
      gateway.refusals.push({ code: 'NOT_FOUND', message: 'session expired' });
      const connection = await c.reconnect(never);
      expect(connection?.resumeTokenSent).toBe(false);
      expect(c.resumeToken).toBeUndefined();
      expect(gateway.sockets.map((s) => s.auth.resumeToken)).toEqual([
        undefined,
        'resume-0123456789abcdef',
        undefined,
      ]);
    });

    it('does not send a resume token when resuming is off', async () => {
      const { gateway, connector: c } = connector({ resume: false });
      c.resumeToken = 'resume-0123456789abcdef';
      await c.reconnect(never);
      expect(gateway.sockets[0]?.auth.resumeToken).toBeUndefined();
    });

    it('gives up on a refused token that cannot change', async () => {
      const { gateway, connector: c } = connector();
      gateway.refusals.push({ code: 'UNAUTHENTICATED', message: 'expired' });
      await expect(c.reconnect(never)).rejects.toMatchObject({ code: 'UNAUTHENTICATED' });
      expect(gateway.sockets).toHaveLength(1);
    });

    it('gives up after the last attempt', async () => {
      const { gateway, connector: c, sleeps } = connector();
      for (const url of ['ws://a', 'ws://b', 'ws://c']) gateway.unreachable.add(url);
      await expect(c.reconnect(never)).rejects.toThrow(/gave up reconnecting after 4 attempts/);
      expect(gateway.sockets.map((s) => s.url)).toEqual(['ws://b', 'ws://c', 'ws://a', 'ws://b']);
      expect(sleeps).toEqual([10, 20, 40, 40]);
    });

    it('stops when the caller no longer wants the connection', async () => {
      const { gateway, connector: c } = connector();
      let cancelled = false;
      const pending = c.reconnect(() => cancelled);
      cancelled = true;
      await expect(pending).resolves.toBeUndefined();
      expect(gateway.sockets.every((s) => !s.connected)).toBe(true);
    });
  });
});
