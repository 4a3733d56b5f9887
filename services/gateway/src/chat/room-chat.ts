import { randomBytes } from 'node:crypto';

import type { SignalingParsedRequestOf, SignalingResultOf } from '@cascade/contracts';

import type { Routing } from '../routing/routing';
import type { Broadcaster } from '../signaling/broadcaster';
import type { SignalingSocket } from '../signaling/socket-data';

/**
 * Chat in a room: the message goes to everyone in the room (the sender included, so every
 * client shows the same sequence) and to the rooms service, which keeps the history.
 */
export class RoomChat {
  constructor(
    private readonly routing: Routing,
    private readonly out: Broadcaster,
    private readonly clock: () => number = Date.now,
  ) {}

  async send(
    socket: SignalingSocket,
    request: SignalingParsedRequestOf<'chat.send'>,
  ): Promise<SignalingResultOf<'chat.send'>> {
    const { tenantId, roomId, participantId, userId, displayName } = socket.data.session!;
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
