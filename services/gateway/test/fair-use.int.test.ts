import { type SignalingClient, useCascadeStack } from './support/stack';

/**
 * Fair use on the signaling path, across two gateway instances: a user's tabs share one chat
 * allowance, and one user cannot take more than its share of places in a room, whichever
 * gateway each of its sockets is on.
 */
const stack = useCascadeStack({
  gateways: 2,
  sfuNodes: 1,
  gatewayEnv: { GATEWAY_CHAT_RATE_LIMIT_PER_MINUTE: '3' },
  roomsEnv: { ROOMS_SEATS_PER_USER: '2' },
});
const TENANT = 'acme';
const clients: SignalingClient[] = [];

afterEach(() => {
  for (const c of clients.splice(0)) c.close();
});

async function tab(gateway: number, room: string, user: string) {
  const client = await stack.connect(gateway, { tenant: TENANT, user, room });
  clients.push(client);
  return client;
}

describe('fair use', () => {
  it('refuses a user’s third tab in a room with LIMIT_EXCEEDED, on either gateway', async () => {
    const room = await stack.createRoom(TENANT, 'u_owner', { capacity: 10 });
    await (await tab(0, room.id, 'u_hog')).call('room.join', {});
    await (await tab(1, room.id, 'u_hog')).call('room.join', {});
    for (const gateway of [0, 1]) {
      const third = await (await tab(gateway, room.id, 'u_hog')).request('room.join', {});
      expect(third).toMatchObject({
        ok: false,
        error: { code: 'LIMIT_EXCEEDED', details: { limit: 'seatsPerUser', max: 2 } },
      });
    }
    // Someone else still gets in.
    await (await tab(1, room.id, 'u_guest')).call('room.join', {});
  });

  it('limits chat per user across its sockets and gateways: RATE_LIMITED with retryAfterSeconds', async () => {
    const room = await stack.createRoom(TENANT, 'u_owner', { capacity: 10 });
    const [a, b] = [await tab(0, room.id, 'u_chatty'), await tab(1, room.id, 'u_chatty')];
    const other = await tab(0, room.id, 'u_quiet');
    for (const c of [a, b, other]) await c.call('room.join', {});

    await a.call('chat.send', { text: 'one' });
    await b.call('chat.send', { text: 'two' });
    await a.call('chat.send', { text: 'three' });
    const fourth = await b.request('chat.send', { text: 'four' });
    expect(fourth).toMatchObject({
      ok: false,
      error: { code: 'RATE_LIMITED', details: { retryAfterSeconds: expect.any(Number) } },
    });
    // Another user's allowance is its own.
    await other.call('chat.send', { text: 'hello' });
    await other.waitFor('chat.message', (m) => m.text === 'hello');
    expect(other.received('chat.message').map((m) => m.text)).not.toContain('four');
  });
});
