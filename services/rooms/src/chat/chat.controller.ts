import { Controller, Get, Param, Query } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import { ChatHistoryPage, ChatHistoryQuery, parseOrThrow } from '@cascade/contracts';

import { type Caller, CurrentCaller } from '../auth/caller';
import { Authenticated, QueryOf, Returns, RoomParam } from '../http/api-decorators';
import { parseRoomId } from '../rooms/rooms.controller';
import { ChatHistory } from './chat-history';

@ApiTags('chat')
@Controller('rooms/:roomId/messages')
@Authenticated()
export class ChatController {
  constructor(private readonly chat: ChatHistory) {}

  /** The room's chat, newest first; pass `nextCursor` back as `cursor` for older messages. */
  @Get()
  @RoomParam()
  @QueryOf(ChatHistoryQuery)
  @Returns(ChatHistoryPage)
  page(@CurrentCaller() caller: Caller, @Param('roomId') roomId: string, @Query() query: unknown) {
    const id = parseRoomId(roomId);
    return this.chat.page(caller, id, parseOrThrow(ChatHistoryQuery, query, 'chat history query'));
  }
}
