import { z } from 'zod';

import { Identifier, ParticipantId, RoomId, TenantId, UserId } from '../ids';
import { replySchema } from '../reply';
import { CHAT_MESSAGE_MAX_LENGTH } from './activity';
import { PageCursor, PageLimit, Timestamp } from './common';

export const ChatMessage = z.object({
  id: Identifier,
  roomId: RoomId,
  userId: UserId,
  participantId: ParticipantId,
  text: z.string(),
  sentAt: Timestamp,
});
export type ChatMessage = z.infer<typeof ChatMessage>;

/** `GET /rooms/{roomId}/messages` query: newest first, then `cursor` for older ones. */
export const ChatHistoryQuery = z
  .object({ limit: PageLimit, cursor: PageCursor.optional() })
  .strict();
export type ChatHistoryQuery = z.output<typeof ChatHistoryQuery>;

export const ChatHistoryPage = z.object({
  messages: z.array(ChatMessage),
  nextCursor: PageCursor.nullable(),
});
export type ChatHistoryPage = z.infer<typeof ChatHistoryPage>;

/**
 * Request on `subjects.roomsChatStore()`: store a chat message the gateway accepted
 * (`chat.send`) in the room's history. The gateway broadcasts the message and acknowledges it
 * only once this is answered OK, so an acknowledged message is a stored one. `messageId` is the
 * gateway's, unique in the room: storing the same id again (a retry) stores nothing more (the
 * gateway derives it from the client's `clientMessageId` when there is one, so that a client's
 * retry of a message whose store answered too late is the same message). Errors:
 * `NOT_FOUND` (no such active room), `INVALID_ARGUMENT`, `CONFLICT` (the id is stored already
 * with another text or from another user: a key reused for another message; nothing changes);
 * a store that fails (PostgreSQL unreachable) is `INTERNAL`.
 */
export const ChatStoreRequest = z
  .object({
    tenantId: TenantId,
    roomId: RoomId,
    userId: UserId,
    participantId: ParticipantId,
    messageId: Identifier,
    text: z.string().min(1).max(CHAT_MESSAGE_MAX_LENGTH),
    at: Timestamp,
  })
  .strict();
export type ChatStoreRequest = z.infer<typeof ChatStoreRequest>;

/**
 * The message as the history holds it, which is what the gateway shows the room: on a retry
 * (`stored: false`) the first store's, not the retry's.
 *
 * - `stored`: false when a message with this id was stored already (nothing changed: a retry).
 * - `at`: the time of the message as stored (the first request's on a retry), so that a retry is
 *   acknowledged and shown exactly as the first store would have been.
 * - `text`, `participantId`: the stored message's (the participant may be an earlier session of
 *   the same user, when the retry comes after a rejoin).
 *
 * Each is absent from an older rooms; a gateway that gets `stored: false` without `text` cannot
 * know what was stored, and shows nothing (the history has it).
 */
export const ChatStoreResult = z.object({
  stored: z.boolean(),
  at: Timestamp.optional(),
  text: z.string().min(1).max(CHAT_MESSAGE_MAX_LENGTH).optional(),
  participantId: ParticipantId.optional(),
});
export type ChatStoreResult = z.infer<typeof ChatStoreResult>;
/** The reply on `subjects.roomsChatStore()`: the result, or the error envelope. */
export const ChatStoreReply = replySchema(ChatStoreResult);
