import { z } from 'zod';

import { Identifier, ParticipantId, RoomId, UserId } from '../ids';
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
