import { CascadeError, PROTOCOL_VERSION, type UserEvent } from '@cascade/contracts';

import { FakeGateway, until } from '../test/support/fake-gateway';
import type { CascadeLogger } from './logger';
import { UserConnection, type UserConnectionState } from './user-connection';

const invitation: UserEvent = {
  type: 'invitation.created',
  tenantId: 'acme',
  userId: 'u_bob',
  invitation: {
    id: 'inv1',
    tenantId: 'acme',
    roomId: 'standup',
    roomTitle: 'Stand-up',
    inviterId: 'u_alice',
    inviteeId: 'u_bob',
    status: 'pending',
    createdAt: '2025-01-01T00:00:00.000Z',
    expiresAt: '2025-01-02T00:00:00.000Z',
    respondedAt: null,
  },
};
const presence: UserEvent = {
  type: 'friend.presenceChanged',
  tenantId: 'acme',
  userId: 'u_bob',
  friendId: 'u_alice',
};

/**
 * A user connection on the fake gateway, with an access token function that hands out
 * `at-1`, `at-2`… (or fails while `tokenFails` is set), recorded pauses instead of real ones,
 * and everything it emits recorded.
 */
function setup(urls: string | string[] = 'ws://gw', onPause: (pauses: number) => void = () => {}) {
  const gateway = new FakeGateway();
  const sleeps: number[] = [];
  const states: UserConnectionState[] = [];
  const notifications: UserEvent[] = [];
  const errors: CascadeError[] = [];
  const warnings: string[] = [];
  const logger: CascadeLogger = {
    debug: () => undefined,
    info: () => undefined,
    warn: (message) => warnings.push(message),
    error: () => undefined,
  };
  let issued = 0;
  const tokens = { fail: false };
  const connection = new UserConnection(
    {
      url: urls,
      accessToken: async () => {
        if (tokens.fail) throw new Error('signed out');
        return `at-${++issued}`;
      },
      reconnect: { initialDelayMs: 100, maxDelayMs: 800, jitter: 0 },
      logger,
    },
    {
      socketFactory: gateway.factory,
      sleep: async (ms) => {
        sleeps.push(ms);
        onPause(sleeps.length);
      },
    },
  );
  connection.on('state', (s) => states.push(s));
  connection.on('notification', (n) => notifications.push(n));
  connection.on('error', (e) => errors.push(e));
  const handshakes = () => gateway.sockets.map((s) => s.auth);
  return {
    gateway,
    connection,
    sleeps,
    states,
    notifications,
    errors,
    warnings,
    tokens,
    handshakes,
  };
}

describe('UserConnection', () => {
  it('connects with an access token from the function, and nothing else in the handshake', async () => {
    const { connection, states, handshakes } = setup();
    await connection.connect();
    expect(connection.state).toBe('connected');
    expect(states).toEqual(['connecting', 'connected']);
    expect(handshakes()).toEqual([{ protocolVersion: PROTOCOL_VERSION, accessToken: 'at-1' }]);
    connection.close();
  });

  it('emits the notifications the gateway pushes: invitations and friend events', async () => {
    const { gateway, connection, notifications } = setup();
    await connection.connect();
    gateway.socket.push('user.notification', invitation);
    gateway.socket.push('user.notification', presence);
    expect(notifications).toEqual([invitation, presence]);
    connection.close();
  });

  it('drops a notification that does not match the contract, and says so', async () => {
    const { gateway, connection, notifications, warnings } = setup();
    await connection.connect();
    const socket = gateway.socket;
    socket.fire('user.notification', { ...presence, type: 'friend.hugged' });
    socket.fire('user.notification', { ...invitation, invitation: { id: 'inv1' } });
    socket.fire('user.notification', 'not even an object');
    socket.fire('user.notification', { ...presence, friendId: 'a:b' });
    expect(notifications).toEqual([]);
    expect(warnings).toHaveLength(4);
    socket.push('user.notification', presence);
    expect(notifications).toEqual([presence]);
    connection.close();
  });

  it('reconnects by itself after a drop, after a pause, with a fresh access token', async () => {
    const { gateway, connection, states, sleeps, handshakes, notifications } = setup();
    await connection.connect();
    const first = gateway.socket;
    first.drop();
    expect(connection.state).toBe('reconnecting');
    await until(() => connection.state === 'connected', 'reconnected');
    expect(states).toEqual(['connecting', 'connected', 'reconnecting', 'connected']);
    expect(sleeps).toEqual([100]);
    expect(handshakes().map((h) => h.accessToken)).toEqual(['at-1', 'at-2']);
    // The new socket delivers; the old one is not listened to any more.
    first.fire('user.notification', invitation);
    gateway.socket.push('user.notification', presence);
    expect(notifications).toEqual([presence]);
    connection.close();
  });

  it('keeps trying an unreachable gateway with growing pauses, moving through the gateways', async () => {
    const { gateway, connection, sleeps } = setup(['ws://a', 'ws://b'], (pauses) => {
      if (pauses === 5) gateway.unreachable.clear();
    });
    gateway.unreachable.add('ws://a');
    gateway.unreachable.add('ws://b');
    await connection.connect();
    expect(connection.state).toBe('connected');
    expect(gateway.sockets.map((s) => s.url)).toEqual([
      'ws://a',
      'ws://b',
      'ws://a',
      'ws://b',
      'ws://a',
      'ws://b',
    ]);
    expect(sleeps).toEqual([100, 200, 400, 800, 800]);
    connection.close();
  });

  it('asks for a fresh token at once when the gateway refuses one as UNAUTHENTICATED, then pauses', async () => {
    const { gateway, connection, sleeps, handshakes } = setup();
    const expired = { code: 'UNAUTHENTICATED' as const, message: 'token expired' };
    gateway.refusals.push(expired, expired, expired);
    await connection.connect();
    expect(handshakes().map((h) => h.accessToken)).toEqual(['at-1', 'at-2', 'at-3', 'at-4']);
    // The first refusal is retried at once; later ones after a pause.
    expect(sleeps).toEqual([200, 400]);
    expect(connection.state).toBe('connected');
    connection.close();
  });

  it('waits and tries again while the user holds every connection the gateway allows', async () => {
    const { gateway, connection, sleeps } = setup();
    gateway.refusals.push({ code: 'RATE_LIMITED', message: 'too many', details: { limit: 10 } });
    await connection.connect();
    expect(sleeps).toEqual([100]);
    expect(connection.state).toBe('connected');
    connection.close();
  });

  it('tries again after a pause when the access token cannot be had', async () => {
    const seen: number[] = [];
    const { gateway, connection, sleeps, tokens } = setup('ws://gw', (pauses) => {
      seen.push(gateway.sockets.length);
      if (pauses === 2) tokens.fail = false;
    });
    tokens.fail = true;
    await connection.connect();
    expect(seen).toEqual([0, 0]);
    expect(sleeps).toEqual([100, 200]);
    expect(gateway.sockets).toHaveLength(1);
    expect(connection.state).toBe('connected');
    connection.close();
  });

  it('stops for good on a refusal that retrying cannot cure', async () => {
    const { gateway, connection, states, errors } = setup();
    gateway.refusals.push({ code: 'UNSUPPORTED_PROTOCOL', message: 'protocol 1 is not served' });
    await expect(connection.connect()).rejects.toMatchObject({ code: 'UNSUPPORTED_PROTOCOL' });
    expect(connection.state).toBe('disconnected');
    expect(states).toEqual(['connecting', 'disconnected']);
    expect(errors.map((e) => e.code)).toEqual(['UNSUPPORTED_PROTOCOL']);
    expect(gateway.sockets).toHaveLength(1);
    // The application may try again.
    await connection.connect();
    expect(connection.state).toBe('connected');
    connection.close();
  });

  it('closes: no more reconnection, and connect() starts again', async () => {
    const { gateway, connection, states } = setup();
    await connection.connect();
    const socket = gateway.socket;
    connection.close();
    connection.close();
    expect(socket.connected).toBe(false);
    expect(connection.state).toBe('disconnected');
    await new Promise((r) => setTimeout(r, 10));
    expect(gateway.sockets).toHaveLength(1);
    await connection.connect();
    expect(gateway.sockets).toHaveLength(2);
    expect(states).toEqual(['connecting', 'connected', 'disconnected', 'connecting', 'connected']);
    connection.close();
  });

  it('gives up a connection attempt when closed meanwhile', async () => {
    const { gateway, connection } = setup();
    gateway.unreachable.add('ws://gw');
    const connected = connection.connect();
    await until(() => gateway.sockets.length >= 1, 'an attempt');
    connection.close();
    await expect(connected).rejects.toMatchObject({ code: 'CONFLICT' });
    const attempts = gateway.sockets.length;
    await new Promise((r) => setTimeout(r, 10));
    expect(gateway.sockets).toHaveLength(attempts);
    expect(connection.state).toBe('disconnected');
  });

  it('returns the same promise to a second connect() while connecting', async () => {
    const { gateway, connection } = setup();
    const one = connection.connect();
    expect(connection.connect()).toBe(one);
    await one;
    expect(gateway.sockets).toHaveLength(1);
    connection.close();
  });

  it('asks the gateway for its clock with user.ping', async () => {
    const { gateway, connection } = setup();
    await expect(connection.ping()).rejects.toMatchObject({ code: 'NODE_UNAVAILABLE' });
    await connection.connect();
    const before = Date.now();
    const at = await connection.ping();
    expect(at).toBeGreaterThanOrEqual(before);
    expect(gateway.methods()).toEqual(['user.ping']);
    connection.close();
  });

  it('keeps going when a listener throws', async () => {
    const { gateway, connection, notifications } = setup();
    connection.on('notification', () => {
      throw new Error('app bug');
    });
    await connection.connect();
    gateway.socket.push('user.notification', presence);
    gateway.socket.push('user.notification', presence);
    expect(notifications).toHaveLength(2);
    connection.close();
  });

  it('pauses half a second at first by default, then longer, up to 30 s, and never gives up', async () => {
    const gateway = new FakeGateway();
    const sleeps: number[] = [];
    const connection = new UserConnection(
      { url: 'ws://gw', accessToken: () => 'at' },
      {
        socketFactory: gateway.factory,
        random: () => 0.5,
        sleep: async (ms) => {
          sleeps.push(ms);
          if (sleeps.length === 40) gateway.unreachable.clear();
        },
      },
    );
    gateway.unreachable.add('ws://gw');
    await connection.connect();
    expect(sleeps.slice(0, 4)).toEqual([500, 1_000, 2_000, 4_000]);
    expect(sleeps.slice(-3)).toEqual([30_000, 30_000, 30_000]);
    connection.close();
  });

  it('refuses options without an access token function', () => {
    expect(
      () => new UserConnection({ url: 'ws://gw', accessToken: 'at' as unknown as () => string }),
    ).toThrow(TypeError);
    expect(() => new UserConnection({ url: [], accessToken: () => 'at' })).toThrow(RangeError);
  });

  it('is a CascadeError on failure, as every SDK error', async () => {
    const { gateway, connection } = setup();
    gateway.refusals.push({ code: 'FORBIDDEN', message: 'no' });
    await expect(connection.connect()).rejects.toBeInstanceOf(CascadeError);
  });
});
