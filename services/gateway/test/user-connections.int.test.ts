import { SIGNALING_METHODS, type UserEvent } from '@cascade/contracts';
import { UserConnection } from '@cascade/client';
import { eventually } from '@cascade/testing';
import { Redis } from 'ioredis';

import { keys } from '../src/sessions/keys';

import { HandshakeRefused, SignalingClient, useCascadeStack } from './support/stack';

/**
 * User connections (handshake `accessToken`: the web app's socket for a signed-in user, in no
 * room) through two gateway instances with real Redis and NATS: notifications published on NATS
 * reach the user's connections on every instance and nobody else's; room methods are refused;
 * the cap per user holds across instances and frees on disconnect. Signaling only: no rooms
 * service, orchestrator or media node.
 */
const stack = useCascadeStack({ gateways: 2, sfuNodes: 0, rooms: false });
const TENANT = 'acme';
const LIMIT = 10; // GATEWAY_USER_CONNECTIONS_MAX's default
const clients: SignalingClient[] = [];
let users = 0;

afterEach(() => {
  for (const c of clients.splice(0)) c.close();
});

/** A user nobody else in this file uses. */
const someone = (name: string, tenant = TENANT) => ({ tenant, user: `u_${name}_${++users}` });

async function connectUser(gateway: number, who: { tenant: string; user: string }) {
  const client = await stack.connectUser(gateway, who);
  clients.push(client);
  return client;
}

/** Publishes a user event on its own subject (or another), as rooms and identity do. */
function publish(
  event: UserEvent,
  subject = stack.subjects.userEvents(event.tenantId, event.userId),
) {
  stack.nc.publish(subject, new TextEncoder().encode(JSON.stringify(event)));
}

/** Long enough for anything that was going to arrive to have arrived. */
const settle = () => new Promise((r) => setTimeout(r, 400));

function invitationFor(tenantId: string, userId: string): UserEvent {
  return {
    type: 'invitation.created',
    tenantId,
    userId,
    invitation: {
      id: `inv-${userId}`,
      tenantId,
      roomId: 'standup',
      roomTitle: 'Stand-up',
      inviterId: 'u_owner',
      inviteeId: userId,
      status: 'pending',
      createdAt: new Date().toISOString(),
      expiresAt: new Date(Date.now() + 3_600_000).toISOString(),
      respondedAt: null,
    },
  };
}

function friendRequestFor(tenantId: string, userId: string): UserEvent {
  const profile = (id: string) => ({ id, displayName: id, avatarUrl: `https://a.example/${id}` });
  return {
    type: 'friend.requestReceived',
    tenantId,
    userId,
    request: {
      id: `fr-${userId}`,
      from: profile('u_friend'),
      to: profile(userId),
      createdAt: new Date().toISOString(),
    },
  };
}

/** The user connection slots a user holds, as Redis has them. */
async function slotsHeldBy(who: { tenant: string; user: string }): Promise<number> {
  const env = stack.infra.env;
  const redis = new Redis(env['REDIS_URL']!, { keyPrefix: env['REDIS_KEY_PREFIX'] });
  try {
    return await redis.zcard(keys.userConnections(who.tenant, who.user));
  } finally {
    redis.disconnect();
  }
}

async function refusal(gateway: number, auth: Record<string, unknown>) {
  return SignalingClient.refusal(stack.gatewayUrls[gateway]!, auth);
}

describe('notifications', () => {
  it('reach every connection of the user, on both instances: invitations and friend events', async () => {
    const alice = someone('alice');
    const tabOne = await connectUser(0, alice);
    const tabTwo = await connectUser(1, alice);
    const invitation = invitationFor(TENANT, alice.user);
    const friendRequest = friendRequestFor(TENANT, alice.user);
    publish(invitation);
    publish(friendRequest);
    for (const tab of [tabOne, tabTwo]) {
      await tab.waitFor('user.notification', (e) => e.type === 'friend.requestReceived');
      await tab.waitFor('user.notification', (e) => e.type === 'invitation.created');
    }
    await settle();
    // Each, once. Not necessarily in order: each event is taken by whichever instance the NATS
    // queue group hands it to.
    for (const tab of [tabOne, tabTwo]) {
      const received = tab.received('user.notification');
      expect(received).toHaveLength(2);
      expect(received).toEqual(expect.arrayContaining([invitation, friendRequest]));
    }
  });

  it('reach nobody else: not another user, not the same user id in another tenant', async () => {
    const alice = someone('alice');
    const aliceTab = await connectUser(0, alice);
    const bob = await connectUser(1, someone('bob'));
    const sameIdElsewhere = await connectUser(1, { tenant: 'globex', user: alice.user });
    publish(friendRequestFor(TENANT, alice.user));
    await aliceTab.waitFor('user.notification');
    await settle();
    expect(bob.events).toEqual([]);
    expect(sameIdElsewhere.events).toEqual([]);
  });

  it('are dropped when published on another user’s subject', async () => {
    const alice = someone('alice');
    const mallory = someone('mallory');
    const aliceTab = await connectUser(0, alice);
    const malloryTab = await connectUser(1, mallory);
    publish(friendRequestFor(TENANT, alice.user), stack.subjects.userEvents(TENANT, mallory.user));
    await settle();
    expect(aliceTab.events).toEqual([]);
    expect(malloryTab.events).toEqual([]);
  });
});

describe('requests', () => {
  it('answers user.ping with the gateway’s clock', async () => {
    const tab = await connectUser(0, someone('pinger'));
    const before = Date.now();
    const { at } = await tab.call('user.ping', {});
    expect(at).toBeGreaterThanOrEqual(before - 1_000);
    expect(at).toBeLessThanOrEqual(Date.now() + 1_000);
  });

  it('refuses every room method: FORBIDDEN, and the connection goes on', async () => {
    const tab = await connectUser(1, someone('wanderer'));
    for (const method of SIGNALING_METHODS.filter((m) => m !== 'user.ping')) {
      expect(await tab.raw(method, [{}])).toMatchObject({
        ok: false,
        error: { code: 'FORBIDDEN', details: { allowed: ['user.ping'] } },
      });
    }
    expect(tab.connected).toBe(true);
    expect((await tab.request('user.ping', {})).ok).toBe(true);
  });

  it('rate-limits a user connection like any socket', async () => {
    const tab = await connectUser(0, someone('flooder'));
    const replies = await Promise.all(
      Array.from({ length: 120 }, () => tab.request('user.ping', {})),
    );
    const limited = replies.filter((r) => !r.ok && r.error.code === 'RATE_LIMITED').length;
    expect(limited).toBeGreaterThanOrEqual(60);
  });

  it('lets a room socket ping too, before it joins', async () => {
    const client = await stack.connect(0, { tenant: TENANT, user: 'u_roomie', room: 'standup' });
    clients.push(client);
    expect(await client.request('user.ping', {})).toMatchObject({ ok: true });
  });
});

describe('handshake', () => {
  it('refuses a join token given as an access token, and an access token given as a join token', async () => {
    const joinToken = stack.mintJoinToken({ tenant: TENANT, user: 'u_eve', room: 'standup' });
    const accessToken = stack.tokens.mintAccessToken(TENANT, 'u_eve');
    for (const gateway of [0, 1]) {
      expect(await refusal(gateway, { accessToken: joinToken })).toMatchObject({
        code: 'UNAUTHENTICATED',
        message: expect.stringContaining('audience'),
      });
      expect(await refusal(gateway, { token: accessToken })).toMatchObject({
        code: 'UNAUTHENTICATED',
        message: expect.stringContaining('audience'),
      });
    }
  });

  it('refuses an expired access token: UNAUTHENTICATED', async () => {
    const expired = stack.tokens.forge.expiredAccess(TENANT, 'u_late');
    expect(await refusal(0, { accessToken: expired })).toMatchObject({
      code: 'UNAUTHENTICATED',
      message: expect.stringContaining('expired'),
    });
  });

  it('refuses an access token given with a join token: INVALID_ARGUMENT', async () => {
    const both = {
      accessToken: stack.tokens.mintAccessToken(TENANT, 'u_both'),
      token: stack.mintJoinToken({ tenant: TENANT, user: 'u_both', room: 'standup' }),
    };
    expect((await refusal(1, both)).code).toBe('INVALID_ARGUMENT');
  });
});

describe('connections per user', () => {
  it('admits the cap across both instances, refuses one more on either, and frees a slot on disconnect', async () => {
    const carol = someone('carol');
    const tabs: SignalingClient[] = [];
    for (let i = 0; i < LIMIT; i++) tabs.push(await connectUser(i % 2, carol));
    for (const gateway of [0, 1]) {
      expect(
        await refusal(gateway, { accessToken: stack.tokens.mintAccessToken(TENANT, carol.user) }),
      ).toMatchObject({ code: 'RATE_LIMITED', details: { limit: LIMIT } });
    }
    // Another user is not affected.
    await connectUser(0, someone('dave'));

    tabs[3]!.close();
    const again = await eventually(
      'a slot to be free again',
      () =>
        stack.connectUser(1, carol).catch((error: unknown) => {
          if (error instanceof HandshakeRefused && error.envelope?.code === 'RATE_LIMITED')
            return undefined;
          throw error;
        }),
      (client) => client !== undefined,
      { timeoutMs: 5_000, intervalMs: 100 },
    );
    clients.push(again!);
    expect(again!.connected).toBe(true);
    expect(
      (await refusal(0, { accessToken: stack.tokens.mintAccessToken(TENANT, carol.user) })).code,
    ).toBe('RATE_LIMITED');
  });

  it('counts user connections in the gateway’s metrics', async () => {
    await connectUser(0, someone('counted'));
    const tab = await connectUser(0, someone('counted'));
    await tab.call('user.ping', {});
    const text = await (await stack.gateways[0]!.fetch('/metrics')).text();
    const sample = /^gateway_user_connections\{[^}]*\} (\d+)/m.exec(text);
    expect(Number(sample?.[1])).toBeGreaterThanOrEqual(2);
    expect(text).toMatch(/^gateway_requests_total\{[^}]*method="user.ping"/m);
  });
});

// Last: it stops gateway 0.
describe('the SDK’s UserConnection', () => {
  it('receives notifications, and comes back on the other instance with a fresh token when its gateway goes', async () => {
    const erin = someone('erin');
    let tokensAsked = 0;
    const connection = new UserConnection({
      url: stack.gatewayUrls,
      accessToken: async () => {
        tokensAsked++;
        return stack.tokens.mintAccessToken(erin.tenant, erin.user);
      },
      reconnect: { initialDelayMs: 100, maxDelayMs: 500 },
    });
    const notifications: UserEvent[] = [];
    const states: string[] = [];
    connection.on('notification', (n) => notifications.push(n));
    connection.on('state', (s) => states.push(s));
    try {
      await connection.connect();
      expect(connection.url).toBe(stack.gatewayUrls[0]);
      expect(await connection.ping()).toBeGreaterThan(0);
      const invitation = invitationFor(TENANT, erin.user);
      publish(invitation);
      await eventually(
        'the invitation',
        () => notifications.length,
        (n) => n === 1,
      );
      expect(notifications).toEqual([invitation]);

      // Gateway 0 shuts down: the connection moves to gateway 1 by itself.
      await stack.gateways[0]!.signal('SIGTERM');
      await eventually(
        'the drop',
        () => states,
        (s) => s.includes('reconnecting'),
      );
      await eventually(
        'a reconnection',
        () => connection.state,
        (s) => s === 'connected',
      );
      expect(connection.url).toBe(stack.gatewayUrls[1]);
      expect(states).toEqual(['connecting', 'connected', 'reconnecting', 'connected']);
      expect(tokensAsked).toBe(2);
      // Gateway 0 gave its slot back as it shut down: the user holds one, not two.
      expect(await slotsHeldBy(erin)).toBe(1);
      const friendRequest = friendRequestFor(TENANT, erin.user);
      publish(friendRequest);
      await eventually(
        'the friend request',
        () => notifications.length,
        (n) => n === 2,
      );
      expect(notifications).toEqual([invitation, friendRequest]);
    } finally {
      connection.close();
    }
  });
});
