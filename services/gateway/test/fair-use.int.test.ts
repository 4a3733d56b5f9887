import { eventually } from '@cascade/testing';
import { Client as PgClient } from 'pg';

import { type SignalingClient, useCascadeStack } from './support/stack';

/**
 * Fair use and chat on the signaling path, across two gateway instances: a user's tabs share one
 * chat allowance, and one user cannot take more than its share of places in a room, whichever
 * gateway each of its sockets is on. A chat message is acknowledged only once the rooms service
 * stored it; when the rooms service does not answer, it is refused and nobody sees it.
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

/** The texts of a room's chat history, as the rooms service stored it (oldest first). */
async function history(roomId: string): Promise<string[]> {
  const db = new PgClient({ connectionString: stack.infra.env['DATABASE_URL'] });
  await db.connect();
  try {
    const { rows } = await db.query<{ text: string }>(
      'SELECT text FROM chat_messages WHERE tenant_id = $1 AND room_id = $2 ORDER BY sent_at, id',
      [TENANT, roomId],
    );
    return rows.map((r) => r.text);
  } finally {
    await db.end();
  }
}

const settle = () => new Promise((r) => setTimeout(r, 500));

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

  it('does not charge a retry of an acknowledged key: answered the same, stored and shown once', async () => {
    const room = await stack.createRoom(TENANT, 'u_owner', { capacity: 10 });
    const [a, b] = [await tab(0, room.id, 'u_retrier'), await tab(1, room.id, 'u_retrier')];
    const other = await tab(0, room.id, 'u_reader');
    for (const c of [a, b, other]) await c.call('room.join', {});

    const first = await a.call('chat.send', { text: 'one', clientMessageId: 'c_one' });
    // Its acknowledgement lost, say: sent again, on this gateway and on the other.
    for (const c of [a, b, a, b, a])
      expect(await c.call('chat.send', { text: 'one', clientMessageId: 'c_one' })).toEqual(first);
    // Still two messages of the allowance of three left; the fourth message is refused.
    await b.call('chat.send', { text: 'two', clientMessageId: 'c_two' });
    await a.call('chat.send', { text: 'three', clientMessageId: 'c_three' });
    expect(await b.request('chat.send', { text: 'four', clientMessageId: 'c_four' })).toMatchObject(
      { ok: false, error: { code: 'RATE_LIMITED' } },
    );
    await other.waitFor('chat.message', (m) => m.text === 'three');
    expect(other.received('chat.message').map((m) => m.text)).toEqual(['one', 'two', 'three']);
    expect(await history(room.id)).toEqual(['one', 'two', 'three']);
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
    // The limit comes before the store: a refused message is not in the history either.
    expect(await history(room.id)).toEqual(['one', 'two', 'three', 'hello']);
  });
});

describe('chat history', () => {
  it('answers chat.send only once the message is in the rooms service’s history', async () => {
    const room = await stack.createRoom(TENANT, 'u_owner', { capacity: 10 });
    const [ann, bob] = [await tab(0, room.id, 'u_ann'), await tab(1, room.id, 'u_bob')];
    for (const c of [ann, bob]) await c.call('room.join', {});
    const sent: string[] = [];
    for (const [who, text] of [
      [ann, 'first'],
      [bob, 'second'],
      [ann, 'third'],
    ] as const) {
      await who.call('chat.send', { text });
      sent.push(text);
      // Read right after the answer, without waiting: acknowledged means stored.
      expect(await history(room.id)).toEqual(sent);
    }
    await bob.waitFor('chat.message', (m) => m.text === 'third');
    expect(bob.received('chat.message').map((m) => m.text)).toEqual(sent);
  });

  it('shows the room a late-stored message as stored: its key with another text is refused CONFLICT', async () => {
    const room = await stack.createRoom(TENANT, 'u_owner', { capacity: 10 });
    const [eve, fay] = [await tab(0, room.id, 'u_eve'), await tab(1, room.id, 'u_fay')];
    for (const c of [eve, fay]) await c.call('room.join', {});
    const rooms = stack.rooms!;
    rooms.child.kill('SIGSTOP'); // the store waits in the rooms service's socket
    let unknown: unknown;
    try {
      unknown = await eve.request('chat.send', { text: 'meet at 5', clientMessageId: 'c_meet' });
    } finally {
      rooms.child.kill('SIGCONT');
    }
    expect(unknown).toMatchObject({
      ok: false,
      error: { code: 'NODE_UNAVAILABLE', details: { outcome: 'unknown' } },
    });
    // Stored after all, once the rooms service runs again; nobody was shown it.
    await eventually(
      'the late store',
      () => history(room.id),
      (h) => h.length === 1,
    );

    // The same key with another text: refused, stored and shown nowhere.
    expect(
      await eve.request('chat.send', { text: 'meet at 6', clientMessageId: 'c_meet' }),
    ).toMatchObject({ ok: false, error: { code: 'CONFLICT' } });
    // The retry of the message itself is acknowledged and shown, as stored.
    const ack = await eve.call('chat.send', { text: 'meet at 5', clientMessageId: 'c_meet' });
    await fay.waitFor('chat.message', (m) => m.messageId === ack.messageId);
    await eve.call('chat.send', { text: 'see you', clientMessageId: 'c_bye' });
    await fay.waitFor('chat.message', (m) => m.text === 'see you');
    expect(fay.received('chat.message').map((m) => m.text)).toEqual(['meet at 5', 'see you']);
    expect(await history(room.id)).toEqual(['meet at 5', 'see you']);
  });

  it('refuses chat.send NODE_UNAVAILABLE when the rooms service does not answer, and nobody sees it', async () => {
    const room = await stack.createRoom(TENANT, 'u_owner', { capacity: 10 });
    const [cat, dan] = [await tab(0, room.id, 'u_cat'), await tab(1, room.id, 'u_dan')];
    for (const c of [cat, dan]) await c.call('room.join', {});
    const rooms = stack.rooms!;
    rooms.child.kill('SIGSTOP'); // alive but answering nothing, as with its database hanging
    let refused: unknown;
    try {
      refused = await cat.request('chat.send', { text: 'unheard' });
      await settle();
    } finally {
      rooms.child.kill('SIGCONT');
    }
    expect(refused).toMatchObject({ ok: false, error: { code: 'NODE_UNAVAILABLE' } });
    for (const c of [cat, dan]) expect(c.received('chat.message')).toEqual([]);

    // Once the rooms service answers again, chat works again, and only what was sent is seen.
    await cat.call('chat.send', { text: 'heard' });
    await dan.waitFor('chat.message', (m) => m.text === 'heard');
    expect(dan.received('chat.message').map((m) => m.text)).toEqual(['heard']);
    expect(await history(room.id)).toContain('heard');
  });
});
