import { Body, Controller, Get, HttpCode, Param, Patch, Post, Query } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import {
  CreateRoomRequest,
  ListRoomsQuery,
  Room,
  RoomId,
  RoomPage,
  UpdateRoomRequest,
  parseOrThrow,
} from '@cascade/contracts';
import { z } from 'zod';

import { type Caller, CurrentCaller } from '../auth/caller';
import { Authenticated, Body$, QueryOf, Returns, RoomParam } from '../http/api-decorators';
import { RoomDirectory } from './room-directory';

@ApiTags('rooms')
@Controller('rooms')
@Authenticated()
export class RoomsController {
  constructor(private readonly rooms: RoomDirectory) {}

  @Post()
  @Body$(CreateRoomRequest)
  @Returns(Room, 201)
  create(@CurrentCaller() caller: Caller, @Body() body: unknown) {
    return this.rooms.create(caller, parseOrThrow(CreateRoomRequest, body ?? {}, 'room'));
  }

  @Get()
  @QueryOf(ListRoomsQuery)
  @Returns(RoomPage)
  list(@CurrentCaller() caller: Caller, @Query() query: unknown) {
    return this.rooms.list(caller, parseOrThrow(ListRoomsQuery, query, 'room list query'));
  }

  @Get(':roomId')
  @RoomParam()
  @Returns(Room)
  get(@CurrentCaller() caller: Caller, @Param('roomId') roomId: string) {
    return this.rooms.get(caller, parseRoomId(roomId));
  }

  @Patch(':roomId')
  @RoomParam()
  @Body$(UpdateRoomRequest)
  @Returns(Room)
  update(@CurrentCaller() caller: Caller, @Param('roomId') roomId: string, @Body() body: unknown) {
    const request = parseOrThrow(UpdateRoomRequest, body ?? {}, 'room change');
    return this.rooms.update(caller, parseRoomId(roomId), request);
  }

  @Post(':roomId/close')
  @HttpCode(200)
  @RoomParam()
  @Returns(Room)
  close(@CurrentCaller() caller: Caller, @Param('roomId') roomId: string) {
    return this.rooms.close(caller, parseRoomId(roomId));
  }
}

const RoomPath = z.object({ roomId: RoomId });

/** The `roomId` of a path, validated (`INVALID_ARGUMENT` on `roomId`). */
export function parseRoomId(roomId: string): string {
  return parseOrThrow(RoomPath, { roomId }, 'path').roomId;
}
