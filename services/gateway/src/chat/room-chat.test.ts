import type { ChatStoreRequest, SignalingEventOf } from '@cascade/contracts';

import type { Broadcaster } from '../signaling/broadcaster';
import type { SignalingSocket } from '../signaling/socket-data';
import { RoomChat, chatMessageId } from './room-chat';

/**
 * The rooms side of `rooms.chat-store` as `ChatHistory.store` behaves (idempotent on the message
 * id, answering the first store's time), with a switch that makes an answer arrive too late: the
 * message is stored, the gateway's request has timed out already.
 */
function rooms() {
  const history = new Map<string, ChatStoreRequest>();
  const r = {
    history,
    late: false,
    failing: false,
    store: async (request: ChatStoreRequest): Promise<unknown> => {
      if (r.failing) return { ok: false, error: { code: 'INTERNAL', message: 'internal error' } };
      const first = history.get(request.messageId);
      if (!first) history.set(request.messageId, request);
      if (r.late) throw new Error('TIMEOUT'); // stored, but nobody waits for the answer any more
      return { ok: true, data: { stored: !first, at: (first ?? request).at } };
    },
  };
  return r;
}

function chat() {
  const r = rooms();
  const broadcast: Array<SignalingEventOf<'chat.message'>> = [];
  const out = {
    toRoom: (_t: string, _r: string, _e: string, payload: SignalingEventOf<'chat.message'>) =>
      broadcast.push(payload),
  } as unknown as Broadcaster;
  let now = 1_700_000_000_000;
  const roomChat = new RoomChat(r.store, out, undefined, () => now);
  const socket = (userId: string) =>
    ({
      data: {
        session: {
          tenantId: 't1',
          roomId: 'r1',
          participantId: `p-${userId}`,
          userId,
          displayName: userId,
        },
      },
    }) as unknown as SignalingSocket;
  return {
    rooms: r,
    broadcast,
    send: (userId: string, text: string, clientMessageId?: string) =>
      roomChat.send(socket(userId), { text, ...(clientMessageId ? { clientMessageId } : {}) }),
    advance: (ms: number) => (now += ms),
  };
}

describe('RoomChat: a message whose store answered late (issue 18)', () => {
  it('refuses it as an unknown outcome; the retry with the same key is the same message, stored once', async () => {
    const t = chat();
    t.rooms.late = true;
    await expect(t.send('alice', 'hello', 'k1')).rejects.toMatchObject({
      code: 'NODE_UNAVAILABLE',
      details: { outcome: 'unknown', messageId: chatMessageId('t1', 'r1', 'alice', 'k1') },
    });
    expect(t.broadcast).toEqual([]); // nobody saw it…
    expect(t.rooms.history.size).toBe(1); // …but rooms stored it, late

    t.rooms.late = false;
    t.advance(3_000);
    const ack = await t.send('alice', 'hello', 'k1');

    expect(t.rooms.history.size).toBe(1); // not twice
    const stored = [...t.rooms.history.values()][0]!;
    expect(ack).toEqual({ messageId: stored.messageId, at: Date.parse(stored.at) });
    expect(t.broadcast).toEqual([
      expect.objectContaining({ messageId: stored.messageId, at: ack.at, text: 'hello' }),
    ]);
  });

  it('an acknowledged message sent again (its ack lost) is acknowledged the same, not stored twice', async () => {
    const t = chat();
    const first = await t.send('alice', 'hello', 'k1');
    t.advance(1_000);
    const again = await t.send('alice', 'hello', 'k1');
    expect(again).toEqual(first);
    expect(t.rooms.history.size).toBe(1);
  });

  it('keys are per user and room: another user’s same key is another message', async () => {
    const t = chat();
    await t.send('alice', 'hello', 'k1');
    await t.send('bob', 'hello', 'k1');
    expect(t.rooms.history.size).toBe(2);
    expect(chatMessageId('t1', 'r1', 'alice', 'k1')).not.toBe(
      chatMessageId('t1', 'r2', 'alice', 'k1'),
    );
  });

  it('without a key every request is a new message', async () => {
    const t = chat();
    await t.send('alice', 'hello');
    await t.send('alice', 'hello');
    expect(t.rooms.history.size).toBe(2);
  });

  it('a store that failed is refused as not stored', async () => {
    const t = chat();
    t.rooms.failing = true;
    await expect(t.send('alice', 'hello', 'k1')).rejects.toMatchObject({
      code: 'NODE_UNAVAILABLE',
      details: { outcome: 'not-stored' },
    });
    expect(t.broadcast).toEqual([]);
  });
});
