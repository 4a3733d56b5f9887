import {
  CascadeError,
  type ChatHistoryPage,
  type ChatHistoryQuery,
  type ChatStoreRequest,
  type ChatStoreResult,
} from '@cascade/contracts';

import type { Caller } from '../auth/caller';
import type { PrismaClient } from '../generated/prisma/client';
import { TimeIdCursor, decodeCursor, timeIdCursor } from '../http/cursor';
import { RoomAccess } from '../rooms/room-access';
import { assertMayReadChat } from '../rooms/room-policy';

/**
 * Chat messages of rooms, stored when the gateway asks (`rooms.chat-store`, before it lets anyone
 * see the message) and read newest first.
 */
export class ChatHistory {
  constructor(
    private readonly db: PrismaClient,
    private readonly access: RoomAccess,
  ) {}

  /**
   * Stores a message once: storing the same message id in the room again (a retried request)
   * changes nothing and answers `stored: false` with the message as it was stored (the first
   * request's time, text and participant), which is what the gateway shows the room. The same
   * id with another text, or from another user, is a key reused for another message: refused
   * `CONFLICT`, nothing changes. `NOT_FOUND` when the room is not an active room; a database
   * failure is thrown as is (the gateway then refuses the message).
   */
  async store(event: ChatStoreRequest): Promise<ChatStoreResult> {
    const room = await this.db.room.findUnique({
      where: { tenantId_id: { tenantId: event.tenantId, id: event.roomId } },
      select: { status: true },
    });
    if (room?.status !== 'active') throw new CascadeError('NOT_FOUND', 'no such active room');
    const inserted = await this.db.chatMessage.createMany({
      data: [
        {
          tenantId: event.tenantId,
          roomId: event.roomId,
          id: event.messageId,
          userId: event.userId,
          participantId: event.participantId,
          text: event.text,
          sentAt: new Date(event.at),
        },
      ],
      skipDuplicates: true,
    });
    if (inserted.count > 0)
      return { stored: true, at: event.at, text: event.text, participantId: event.participantId };
    const first = await this.db.chatMessage.findUnique({
      where: {
        tenantId_roomId_id: { tenantId: event.tenantId, roomId: event.roomId, id: event.messageId },
      },
      select: { sentAt: true, text: true, userId: true, participantId: true },
    });
    // Deleted between the two statements (the retention sweep): a store that failed, which the
    // gateway refuses as not stored, and whose retry stores it anew.
    if (!first) throw new Error(`chat message ${event.messageId} vanished while stored again`);
    if (first.userId !== event.userId || first.text !== event.text) {
      throw new CascadeError(
        'CONFLICT',
        'this message id is stored with another text: a clientMessageId is for one message',
        { messageId: event.messageId },
      );
    }
    return {
      stored: false,
      at: first.sentAt.toISOString(),
      text: first.text,
      participantId: first.participantId,
    };
  }

  async page(caller: Caller, roomId: string, query: ChatHistoryQuery): Promise<ChatHistoryPage> {
    const before = query.cursor ? decodeCursor(TimeIdCursor, query.cursor) : undefined;
    const { room, user } = await this.access.visible(caller.tenantId, roomId, caller.userId);
    assertMayReadChat(room, user);
    const t = before ? new Date(before.t) : undefined;
    const rows = await this.db.chatMessage.findMany({
      where: {
        tenantId: room.tenantId,
        roomId: room.id,
        ...(before && t
          ? { OR: [{ sentAt: { lt: t } }, { sentAt: t, id: { lt: before.id } }] }
          : {}),
      },
      orderBy: [{ sentAt: 'desc' }, { id: 'desc' }],
      take: query.limit + 1,
    });
    const page = rows.slice(0, query.limit);
    const last = page.at(-1);
    return {
      messages: page.map((m) => ({
        id: m.id,
        roomId: m.roomId,
        userId: m.userId,
        participantId: m.participantId,
        text: m.text,
        sentAt: m.sentAt.toISOString(),
      })),
      nextCursor: rows.length > query.limit && last ? timeIdCursor(last.sentAt, last.id) : null,
    };
  }
}
