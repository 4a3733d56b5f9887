import type { ChatStoreRequest, SignalingEventOf } from '@cascade/contracts';

import type { Broadcaster } from '../signaling/broadcaster';
import type { SignalingSocket } from '../signaling/socket-data';
import type { ChatAttempt, ChatKeyState, ChatLedger, DeliveredChat } from './chat-ledger';
import { RoomChat, chatMessageId, isCharged } from './room-chat';

/**
 * The rooms side of `rooms.chat-store` as `ChatHistory.store` behaves (idempotent on the message
 * id, answering the message as first stored; the id with another text is `CONFLICT`), with a
 * switch that makes an answer arrive too late: the message is stored, the gateway's request has
 * timed out already.
 */
function rooms() {
  const history = new Map<string, ChatStoreRequest>();
  const r = {
    history,
    requests: 0,
    late: false,
    failing: false,
    /** Answers as a rooms service from before the answer carried the stored message. */
    old: false,
    store: async (request: ChatStoreRequest): Promise<unknown> => {
      r.requests++;
      if (r.failing) return { ok: false, error: { code: 'INTERNAL', message: 'internal error' } };
      const first = history.get(request.messageId);
      if (first && first.text !== request.text)
        return { ok: false, error: { code: 'CONFLICT', message: 'another text' } };
      if (!first) history.set(request.messageId, request);
      if (r.late) throw new Error('TIMEOUT'); // stored, but nobody waits for the answer any more
      const stored = first ?? request;
      return {
        ok: true,
        data: r.old
          ? { stored: !first }
          : {
              stored: !first,
              at: stored.at,
              text: stored.text,
              participantId: stored.participantId,
            },
      };
    },
  };
  return r;
}

/** The ledger as `RedisChatLedger` keeps it (tested against Redis in chat-ledger.int.test.ts). */
function memoryLedger(): ChatLedger & { keys: Map<string, unknown> } {
  const keys = new Map<string, { n: number; s: ChatKeyState; d?: DeliveredChat }>();
  return {
    keys,
    begin: async (messageId): Promise<ChatAttempt> => {
      const key = keys.get(messageId) ?? { n: 0, s: 'none' as ChatKeyState };
      keys.set(messageId, key);
      key.n++;
      const answer: ChatAttempt = {
        attempt: key.n,
        previous: key.s,
        ...(key.s === 'delivered' ? { delivered: key.d! } : {}),
      };
      if (key.s !== 'delivered') key.s = 'pending';
      return answer;
    },
    delivered: async (messageId, d) => {
      keys.set(messageId, { n: keys.get(messageId)?.n ?? 1, s: 'delivered', d });
    },
    settle: async (messageId, state) => {
      const key = keys.get(messageId);
      if (key?.s === 'delivered') return;
      if (state === 'none') keys.delete(messageId);
      else keys.set(messageId, { n: key?.n ?? 1, s: state });
    },
  };
}

function chat(options: { perMinute?: number; freeRetries?: number } = {}) {
  const r = rooms();
  const ledger = memoryLedger();
  const broadcast: Array<SignalingEventOf<'chat.message'>> = [];
  const out = {
    toRoom: (_t: string, _r: string, _e: string, payload: SignalingEventOf<'chat.message'>) =>
      broadcast.push(payload),
  } as unknown as Broadcaster;
  let now = 1_700_000_000_000;
  const perMinute = options.perMinute ?? Infinity;
  const limit = {
    perMinute,
    hits: 0,
    hit: async () => {
      limit.hits++;
      return { allowed: limit.hits <= perMinute, remaining: 0, retryAfterSeconds: 60 };
    },
  };
  const roomChat = new RoomChat(r.store, out, {
    limit,
    ledger,
    clock: () => now,
    ...(options.freeRetries === undefined ? {} : { freeRetries: options.freeRetries }),
  });
  const socket = (userId: string, participantId: string) =>
    ({
      data: {
        session: { tenantId: 't1', roomId: 'r1', participantId, userId, displayName: userId },
      },
    }) as unknown as SignalingSocket;
  return {
    rooms: r,
    ledger,
    limit,
    broadcast,
    send: (userId: string, text: string, clientMessageId?: string, participantId?: string) =>
      roomChat.send(socket(userId, participantId ?? `p-${userId}`), {
        text,
        ...(clientMessageId ? { clientMessageId } : {}),
      }),
    advance: (ms: number) => (now += ms),
  };
}

const code = (promise: Promise<unknown>) =>
  promise.then(
    () => 'ok',
    (error: { code?: string }) => error.code ?? String(error),
  );

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

  it('an acknowledged message sent again (its ack lost) is acknowledged the same, not stored or shown twice', async () => {
    const t = chat();
    const first = await t.send('alice', 'hello', 'k1');
    t.advance(1_000);
    const again = await t.send('alice', 'hello', 'k1');
    expect(again).toEqual(first);
    expect(t.rooms.history.size).toBe(1);
    expect(t.rooms.requests).toBe(1); // answered from the ledger: rooms not asked again
    expect(t.broadcast).toHaveLength(1);
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

describe('RoomChat: the room is shown what is stored, never a retry’s copy', () => {
  it('refuses CONFLICT a retry of a late-stored key with another text, and shows nothing', async () => {
    const t = chat();
    t.rooms.late = true;
    await expect(t.send('alice', 'meet at 5', 'k1')).rejects.toMatchObject({
      details: { outcome: 'unknown' },
    });
    t.rooms.late = false;

    await expect(t.send('alice', 'meet at 6', 'k1')).rejects.toMatchObject({ code: 'CONFLICT' });
    expect(t.broadcast).toEqual([]);
    expect([...t.rooms.history.values()].map((m) => m.text)).toEqual(['meet at 5']);

    // The same key with its own text is still the message it was.
    await t.send('alice', 'meet at 5', 'k1');
    expect(t.broadcast.map((m) => m.text)).toEqual(['meet at 5']);
  });

  it('refuses CONFLICT an acknowledged key sent with another text, without asking rooms', async () => {
    const t = chat();
    await t.send('alice', 'meet at 5', 'k1');
    await expect(t.send('alice', 'meet at 6', 'k1')).rejects.toMatchObject({
      code: 'CONFLICT',
      details: { messageId: chatMessageId('t1', 'r1', 'alice', 'k1') },
    });
    expect(t.rooms.requests).toBe(1);
    expect(t.broadcast.map((m) => m.text)).toEqual(['meet at 5']);
  });

  it('shows a late-stored message as stored: its first participant and time', async () => {
    const t = chat();
    t.rooms.late = true;
    await t.send('alice', 'hello', 'k1', 'p-alice-1').catch(() => undefined);
    t.rooms.late = false;
    t.advance(5_000);
    // Alice's client joined again (a new participant) and retries its message.
    const ack = await t.send('alice', 'hello', 'k1', 'p-alice-2');
    expect(ack.at).toBe(1_700_000_000_000);
    expect(t.broadcast).toEqual([
      expect.objectContaining({ participantId: 'p-alice-1', at: ack.at, text: 'hello' }),
    ]);
  });

  it('shows nothing for a retry an older rooms answers without the stored message', async () => {
    const t = chat();
    t.rooms.late = true;
    await t.send('alice', 'hello', 'k1').catch(() => undefined);
    t.rooms.late = false;
    t.rooms.old = true;
    await expect(t.send('alice', 'hello', 'k1')).resolves.toMatchObject({
      messageId: chatMessageId('t1', 'r1', 'alice', 'k1'),
    });
    expect(t.broadcast).toEqual([]);
  });
});

describe('RoomChat: retries and the chat allowance', () => {
  it('charges a keyed message once, however often its acknowledged key is sent again', async () => {
    const t = chat({ perMinute: 2 });
    await t.send('alice', 'one', 'k1');
    for (let i = 0; i < 5; i++) await t.send('alice', 'one', 'k1');
    expect(t.limit.hits).toBe(1);
    await t.send('alice', 'two', 'k2'); // the second message of two still fits
    expect(await code(t.send('alice', 'three', 'k3'))).toBe('RATE_LIMITED');
  });

  it('retries a key whose store failed uncharged, freeRetries times; then charges each', async () => {
    const t = chat({ perMinute: 3, freeRetries: 2 });
    t.rooms.failing = true;
    const outcomes: string[] = [];
    for (let i = 0; i < 6; i++) outcomes.push(await code(t.send('alice', 'hello', 'k1')));
    // 1 charged, 2 free, then charged: 2 more fit in the allowance of 3, the 6th does not.
    expect(outcomes).toEqual([
      'NODE_UNAVAILABLE',
      'NODE_UNAVAILABLE',
      'NODE_UNAVAILABLE',
      'NODE_UNAVAILABLE',
      'NODE_UNAVAILABLE',
      'RATE_LIMITED',
    ]);
    expect(t.limit.hits).toBe(4);
    expect(t.rooms.requests).toBe(5); // rooms sees 1 + freeRetries per charged message at most
  });

  it('charges attempts of a key while another has not ended (sent many times at once)', async () => {
    const t = chat({ perMinute: 3 });
    t.rooms.late = true; // each store is slow: the attempts overlap
    const outcomes = await Promise.all(
      Array.from({ length: 5 }, () => code(t.send('alice', 'hello', 'k1'))),
    );
    expect(outcomes.filter((o) => o === 'RATE_LIMITED')).toHaveLength(2);
    expect(t.limit.hits).toBe(5);
    expect(t.rooms.requests).toBe(3);
  });

  it('a key turned away by the allowance is not a retry: its next attempt is charged again', async () => {
    const t = chat({ perMinute: 1 });
    await t.send('alice', 'one', 'k1');
    expect(await code(t.send('alice', 'two', 'k2'))).toBe('RATE_LIMITED');
    expect(await code(t.send('alice', 'two', 'k2'))).toBe('RATE_LIMITED');
    expect(t.limit.hits).toBe(3);
    expect(t.rooms.requests).toBe(1);
    expect(t.broadcast.map((m) => m.text)).toEqual(['one']);
  });

  it.each([
    ['a first attempt', { attempt: 1, previous: 'none' }, true],
    ['an attempt while another has not ended', { attempt: 2, previous: 'pending' }, true],
    ['a retry after a retryable failure', { attempt: 2, previous: 'failed' }, false],
    ['a retry of an acknowledged key', { attempt: 3, previous: 'delivered' }, false],
    ['the last free retry', { attempt: 9, previous: 'failed' }, false],
    ['a retry past the free ones', { attempt: 10, previous: 'failed' }, true],
    ['an acknowledged key past the free ones', { attempt: 10, previous: 'delivered' }, true],
  ] as const)('charges %s: %p → %p', (_name, attempt, charged) => {
    expect(isCharged(attempt, 8)).toBe(charged);
  });
});
