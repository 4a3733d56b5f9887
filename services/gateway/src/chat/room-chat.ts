import { createHash, randomBytes } from 'node:crypto';

import {
  CascadeError,
  ChatStoreReply,
  type ChatStoreRequest,
  type ChatStoreResult,
  type SignalingParsedRequestOf,
  type SignalingResultOf,
  isCascadeError,
  unwrapReply,
} from '@cascade/contracts';
import type { RateLimitDecision } from '@cascade/server-kit';

import type { Broadcaster } from '../signaling/broadcaster';
import type { SignalingSocket } from '../signaling/socket-data';
import { type ChatAttempt, type ChatLedger, chatTextHash } from './chat-ledger';

/** Counts a user's chat messages (every socket and room of the user, on every instance). */
export interface ChatRateLimit {
  /** Messages a user may send per minute. */
  readonly perMinute: number;
  hit(userKey: string): Promise<RateLimitDecision>;
}

export const UNLIMITED_CHAT: ChatRateLimit = {
  perMinute: Infinity,
  hit: () => Promise.resolve({ allowed: true, remaining: Infinity, retryAfterSeconds: 1 }),
};

/**
 * Sends one `rooms.chat-store` request and resolves with the raw reply; rejects when the rooms
 * service does not answer in time (or NATS is unreachable).
 */
export type ChatStore = (request: ChatStoreRequest) => Promise<unknown>;

/** Retries of one keyed message within the ledger's window that are not charged (see RoomChat). */
export const CHAT_FREE_RETRIES = 8;
/** How long the gateways remember a keyed message after its first attempt. */
export const CHAT_KEY_WINDOW_MS = 60_000;

/** Every attempt a first one: without a ledger, each is charged and goes to rooms. */
const NO_LEDGER: ChatLedger = {
  begin: () => Promise.resolve({ attempt: 1, previous: 'none' }),
  delivered: () => Promise.resolve(),
  settle: () => Promise.resolve(),
};

export interface RoomChatOptions {
  limit?: ChatRateLimit;
  ledger?: ChatLedger;
  /** Free retries of one key (default {@link CHAT_FREE_RETRIES}). */
  freeRetries?: number;
  clock?: () => number;
}

/**
 * Chat in a room: the rooms service stores the message in the room's history first
 * (`rooms.chat-store`), and only once it answered OK does the message go to everyone in the room
 * (the sender included, so every client shows the same sequence) and is `chat.send` answered. So
 * an acknowledged message is a stored one: when the rooms service does not answer in time or
 * cannot store it (PostgreSQL unreachable), the sender is refused `NODE_UNAVAILABLE` and nobody
 * sees the message. Without a rooms service (`store` undefined: `GATEWAY_AUTHORIZE_JOINS=false`)
 * there is no history, and the message is only broadcast.
 *
 * **Retries.** A message the client gave a `clientMessageId` (its idempotency key, the same on
 * every retry of one message) gets a message id derived from it and from the user and room, so a
 * retry is the same message: rooms stores it once and answers the message as first stored, and
 * the room is shown that, never the retry's copy (clients drop a `chat.message` whose id they
 * have shown already). A key reused with another text is refused `CONFLICT` and changes nothing.
 * That closes the gap of a store that rooms carried out after the gateway stopped waiting: the
 * sender was refused `NODE_UNAVAILABLE` with `details.outcome: 'unknown'`, retries with the same
 * key, and the history holds the message once whatever the first attempt's fate. Without a key
 * each request is a new message.
 *
 * **Allowance.** Each user may send `limit.perMinute` messages a minute, counted across all its
 * sockets and gateways (a user with several tabs shares one allowance); more are refused
 * `RATE_LIMITED` with `retryAfterSeconds`, and nobody sees them (nor are they stored). A retry is
 * not a new message, but it must not be a way around the allowance either: whoever holds a
 * session may send any key, as often as the connection's request limit lets it. So the gateways
 * keep a ledger of keys (in Redis, for {@link CHAT_KEY_WINDOW_MS} after a key's first attempt):
 * - a key already acknowledged is answered from the ledger (the same `messageId` and `at`),
 *   with neither rooms nor PostgreSQL asked and nothing shown again: a retry whose answer was
 *   lost costs a Redis round trip, like any request;
 * - a key whose last attempt failed retryably (`NODE_UNAVAILABLE`) is retried at rooms
 *   uncharged: the client was told to retry, and a rooms or PostgreSQL outage must not spend
 *   the allowance of everyone who chats through it;
 * - a first attempt, and a retry while an attempt of the key has not ended (concurrent sends, or
 *   a gateway that died mid-way), are charged: sending one key many times at once costs what as
 *   many messages would, so the allowance still bounds what reaches rooms;
 * - past {@link CHAT_FREE_RETRIES} retries of a key in the window, every attempt is charged.
 * So rooms sees at most 1 + `freeRetries` store requests per charged message, and only while
 * they fail. When Redis does not answer, every attempt is a first one (charged).
 */
export class RoomChat {
  readonly #limit: ChatRateLimit;
  readonly #ledger: ChatLedger;
  readonly #freeRetries: number;
  readonly #clock: () => number;

  constructor(
    private readonly store: ChatStore | undefined,
    private readonly out: Broadcaster,
    options: RoomChatOptions = {},
  ) {
    this.#limit = options.limit ?? UNLIMITED_CHAT;
    this.#ledger = options.ledger ?? NO_LEDGER;
    this.#freeRetries = options.freeRetries ?? CHAT_FREE_RETRIES;
    this.#clock = options.clock ?? Date.now;
  }

  async send(
    socket: SignalingSocket,
    request: SignalingParsedRequestOf<'chat.send'>,
  ): Promise<SignalingResultOf<'chat.send'>> {
    const session = socket.data.session!;
    const { tenantId, roomId, userId } = session;
    if (request.clientMessageId === undefined) {
      await this.#charge(tenantId, userId);
      return this.#deliver(session, `m_${randomBytes(12).toString('hex')}`, request.text);
    }
    const messageId = chatMessageId(tenantId, roomId, userId, request.clientMessageId);
    const attempt = await this.#ledger.begin(messageId);
    if (isCharged(attempt, this.#freeRetries)) {
      try {
        await this.#charge(tenantId, userId);
      } catch (error) {
        // Turned away before it did anything: the key is as this attempt found it.
        if (attempt.previous !== 'delivered')
          await this.#ledger.settle(messageId, attempt.previous);
        throw error;
      }
    }
    if (attempt.delivered) {
      if (attempt.delivered.textHash !== chatTextHash(request.text)) throw reusedKey(messageId);
      return { messageId, at: attempt.delivered.at };
    }
    try {
      const ack = await this.#deliver(session, messageId, request.text);
      await this.#ledger.delivered(messageId, { at: ack.at, textHash: ack.textHash });
      return { messageId: ack.messageId, at: ack.at };
    } catch (error) {
      if (isCascadeError(error) && error.code === 'NODE_UNAVAILABLE')
        await this.#ledger.settle(messageId, 'failed');
      throw error;
    }
  }

  async #charge(tenantId: string, userId: string): Promise<void> {
    const decision = await this.#limit.hit(`${tenantId}:${userId}`);
    if (!decision.allowed) {
      throw new CascadeError(
        'RATE_LIMITED',
        `too many chat messages: at most ${this.#limit.perMinute} a minute`,
        { retryAfterSeconds: decision.retryAfterSeconds },
      );
    }
  }

  /**
   * Stores the message and shows the room what was stored. A retry's store answered by an older
   * rooms (no stored text) shows nothing: the history has the message, whatever it holds.
   */
  async #deliver(
    session: NonNullable<SignalingSocket['data']['session']>,
    messageId: string,
    text: string,
  ): Promise<{ messageId: string; at: number; textHash: string }> {
    const { tenantId, roomId, participantId, userId, displayName } = session;
    let at = this.#clock();
    let shown: { text: string; participantId: string } | undefined = { text, participantId };
    if (this.store) {
      const stored = await storeChat(this.store, {
        tenantId,
        roomId,
        participantId,
        userId,
        messageId,
        text,
        at: new Date(at).toISOString(),
      });
      if (stored.at !== undefined) at = Date.parse(stored.at);
      shown = stored.stored
        ? shown
        : stored.text === undefined
          ? undefined
          : { text: stored.text, participantId: stored.participantId ?? participantId };
    }
    if (shown) {
      this.out.toRoom(tenantId, roomId, 'chat.message', {
        messageId,
        participantId: shown.participantId,
        userId,
        displayName,
        text: shown.text,
        at,
      });
    }
    return { messageId, at, textHash: chatTextHash(shown?.text ?? text) };
  }
}

/** Whether an attempt counts against the sender's allowance (see {@link RoomChat}). */
export function isCharged(attempt: ChatAttempt, freeRetries: number): boolean {
  if (attempt.attempt > 1 + freeRetries) return true;
  return attempt.previous === 'none' || attempt.previous === 'pending';
}

function reusedKey(messageId: string): CascadeError {
  return new CascadeError(
    'CONFLICT',
    'this clientMessageId was sent with another text: a clientMessageId is for one message',
    { messageId },
  );
}

/**
 * The message id of a client's message: the same for every retry of it (same user, room and
 * `clientMessageId`), and no other user's key can produce it.
 */
export function chatMessageId(
  tenantId: string,
  roomId: string,
  userId: string,
  clientMessageId: string,
): string {
  const digest = createHash('sha256')
    .update(`${tenantId}\n${roomId}\n${userId}\n${clientMessageId}`)
    .digest('hex');
  return `m_${digest.slice(0, 32)}`;
}

/**
 * Has the rooms service store a message. No answer is `NODE_UNAVAILABLE` with
 * `details.outcome: 'unknown'` (rooms may store it yet: retry with the same `clientMessageId`);
 * an unreadable answer or a failed store (`INTERNAL`, or its database unreachable) is
 * `NODE_UNAVAILABLE` (not stored: try again); a refusal it explains (`NOT_FOUND`: the room is no
 * longer active, `RATE_LIMITED`: overloaded) is thrown as is.
 */
async function storeChat(send: ChatStore, request: ChatStoreRequest): Promise<ChatStoreResult> {
  let raw: unknown;
  try {
    raw = await send(request);
  } catch (error) {
    throw new CascadeError(
      'NODE_UNAVAILABLE',
      `the rooms service did not answer the store of the message (${String(error)}): it may be stored yet; send it again with the same clientMessageId`,
      { outcome: 'unknown', messageId: request.messageId },
    );
  }
  const reply = ChatStoreReply.safeParse(raw);
  if (!reply.success)
    throw new CascadeError('NODE_UNAVAILABLE', 'the rooms service answered the store unreadably');
  try {
    return unwrapReply(reply.data);
  } catch (error) {
    if (isCascadeError(error) && error.code !== 'INTERNAL' && error.code !== 'NODE_UNAVAILABLE')
      throw error;
    throw new CascadeError(
      'NODE_UNAVAILABLE',
      'the rooms service could not store the message; try again',
      { outcome: 'not-stored', messageId: request.messageId },
    );
  }
}
