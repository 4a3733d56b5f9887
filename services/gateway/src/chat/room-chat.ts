import { randomBytes } from 'node:crypto';

import {
  CascadeError,
  type SignalingParsedRequestOf,
  type SignalingResultOf,
} from '@cascade/contracts';
import type { RateLimitDecision } from '@cascade/server-kit';

import type { Routing } from '../routing/routing';
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
 * Chat in a room: the message goes to everyone in the room (the sender included, so every
 * client shows the same sequence) and to the rooms service, which keeps the history.
 *
 * Each user may send `limit.perMinute` messages a minute, counted across all its sockets and
 * gateways (a user with several tabs shares one allowance); more are refused `RATE_LIMITED` with
 * `retryAfterSeconds`, and nobody sees them. A message's length is bounded by the contract
 * (`CHAT_MESSAGE_MAX_LENGTH`).
 */
export class RoomChat {
  constructor(
    private readonly routing: Routing,
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
    this.out.toRoom(tenantId, roomId, 'chat.message', {
      messageId,
      participantId,
      userId,
      displayName,
      text: request.text,
      at,
    });
    this.routing.publishActivity({
      type: 'chat.message',
      tenantId,
      roomId,
      participantId,
      userId,
      messageId,
      text: request.text,
      at: new Date(at).toISOString(),
    });
    return { messageId, at };
  }
}
