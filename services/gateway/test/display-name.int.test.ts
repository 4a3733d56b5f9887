import { type SignalingClient, useCascadeStack } from './support/stack';

/**
 * The name a participant shows is the one its join token carries (the user's profile name, or
 * the name an API key minted): `room.join` cannot choose another one.
 */
const stack = useCascadeStack({ gateways: 1, sfuNodes: 1 });
const TENANT = 'acme';
const clients: SignalingClient[] = [];

afterEach(() => {
  for (const c of clients.splice(0)) c.close();
});

async function connect(room: string, user: string, name: string) {
  const client = await stack.connect(0, { tenant: TENANT, user, room, name });
  clients.push(client);
  return client;
}

it('ignores a display name in room.join: the join answer, the room and chat carry the token name', async () => {
  const room = await stack.createRoom(TENANT, 'u_owner');
  const alice = await connect(room.id, 'u_alice', 'Alice');
  await alice.call('room.join', {});

  const mallory = await connect(room.id, 'u_mallory', 'Mallory');
  const join = await mallory.call('room.join', { displayName: 'Alice' });
  expect(join.displayName).toBe('Mallory');

  const joined = await alice.waitFor(
    'participant.joined',
    (p) => p.participantId === join.participantId,
  );
  expect(joined).toMatchObject({ userId: 'u_mallory', displayName: 'Mallory' });

  const listed = await alice.call('participant.list', {});
  expect(listed.participants.map((p) => [p.userId, p.displayName]).sort()).toEqual([
    ['u_alice', 'Alice'],
    ['u_mallory', 'Mallory'],
  ]);

  await mallory.call('chat.send', { text: 'it is me, Alice' });
  const message = await alice.waitFor('chat.message');
  expect(message).toMatchObject({ userId: 'u_mallory', displayName: 'Mallory' });
});
