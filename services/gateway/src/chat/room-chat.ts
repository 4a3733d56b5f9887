import { randomBytes } from 'node:crypto';

import {
  CascadeError,
  ChatStoreReply,
  type ChatStoreRequest,
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
    const messageId = `m_${randomBytes(12).toString('hex')}`;
    const at = this.clock();
    if (this.store) {
      await storeChat(this.store, {
        tenantId,
        roomId,
        participantId,
        userId,
        messageId,
        text: request.text,
        at: new Date(at).toISOString(),
      });
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
 * Has the rooms service store a message. No answer, an unreadable one or a failed store
 * (`INTERNAL`: its database unreachable) is `NODE_UNAVAILABLE` (try again); a refusal it
 * explains (`NOT_FOUND`: the room is no longer active, `RATE_LIMITED`: overloaded) is thrown as is.
 */
async function storeChat(send: ChatStore, request: ChatStoreRequest): Promise<void> {
  let raw: unknown;
  try {
    raw = await send(request);
  } catch (error) {
    throw new CascadeError(
      'NODE_UNAVAILABLE',
      `the rooms service did not store the message (${String(error)}); try again`,
    );
  }
  const reply = ChatStoreReply.safeParse(raw);
  if (!reply.success)
    throw new CascadeError('NODE_UNAVAILABLE', 'the rooms service answered the store unreadably');
  try {
    unwrapReply(reply.data);
  } catch (error) {
    if (isCascadeError(error) && error.code !== 'INTERNAL') throw error;
    throw new CascadeError(
      'NODE_UNAVAILABLE',
      'the rooms service could not store the message; try again',
    );
  }
}
