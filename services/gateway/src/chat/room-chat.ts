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

/**
 * Chat in a room: the rooms service stores the message in the room's history first
 * (`rooms.chat-store`), and only once it answered OK does the message go to everyone in the room
 * (the sender included, so every client shows the same sequence) and is `chat.send` answered. So
 * an acknowledged message is a stored one: when the rooms service does not answer in time or
 * cannot store it (PostgreSQL unreachable), the sender is refused `NODE_UNAVAILABLE` and nobody
 * sees the message. Without a rooms service (`store` undefined: `GATEWAY_AUTHORIZE_JOINS=false`)
 * there is no history, and the message is only broadcast.
 *
 * A message the client gave a `clientMessageId` (its idempotency key, the same on every retry of
 * one message) gets a message id derived from it and from the user and room, so a retry is the
 * same message: rooms stores it once and answers the first store's time, and the gateway
 * acknowledges and broadcasts it as the first would have (clients drop a `chat.message` whose id
 * they have shown already). That closes the gap of a store that rooms carried out after the
 * gateway stopped waiting: the sender was refused `NODE_UNAVAILABLE` with
 * `details.outcome: 'unknown'`, retries with the same key, and the history holds the message once
 * whatever the first attempt's fate. Without a key each request is a new message.
 *
 * Each user may send `limit.perMinute` messages a minute, counted across all its sockets and
 * gateways (a user with several tabs shares one allowance); more are refused `RATE_LIMITED` with
 * `retryAfterSeconds`, and nobody sees them (nor are they stored). A message's length is bounded
 * by the contract (`CHAT_MESSAGE_MAX_LENGTH`).
 */
export class RoomChat {
  constructor(
    private readonly store: ChatStore | undefined,
    private readonly out: Broadcaster,
    private readonly limit: ChatRateLimit = UNLIMITED_CHAT,
    private readonly clock: () => number = Date.now,
  ) {}

  async send(
    socket: SignalingSocket,
    request: SignalingParsedRequestOf<'chat.send'>,
  ): Promise<SignalingResultOf<'chat.send'>> {
    const { tenantId, roomId, participantId, userId, displayName } = socket.data.session!;
    const decision = await this.limit.hit(`${tenantId}:${userId}`);
    if (!decision.allowed) {
      throw new CascadeError(
        'RATE_LIMITED',
        `too many chat messages: at most ${this.limit.perMinute} a minute`,
        { retryAfterSeconds: decision.retryAfterSeconds },
      );
    }
    const messageId =
      request.clientMessageId === undefined
        ? `m_${randomBytes(12).toString('hex')}`
        : chatMessageId(tenantId, roomId, userId, request.clientMessageId);
    let at = this.clock();
    if (this.store) {
      const stored = await storeChat(this.store, {
        tenantId,
        roomId,
        participantId,
        userId,
        messageId,
        text: request.text,
        at: new Date(at).toISOString(),
      });
      if (stored.at !== undefined) at = Date.parse(stored.at);
    }
    this.out.toRoom(tenantId, roomId, 'chat.message', {
      messageId,
      participantId,
      userId,
      displayName,
      text: request.text,
      at,
    });
    return { messageId, at };
  }
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
