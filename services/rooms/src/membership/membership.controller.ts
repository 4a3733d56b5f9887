import { Body, Controller, Delete, Get, HttpCode, Param, Post, Put } from '@nestjs/common';
import { ApiParam, ApiTags } from '@nestjs/swagger';
import {
  CreateBanRequest,
  RoomBan,
  RoomBanList,
  RoomId,
  RoomMember,
  RoomMemberList,
  SetMemberRequest,
  UserId,
  parseOrThrow,
} from '@cascade/contracts';
import { z } from 'zod';

import { type Caller, CurrentCaller } from '../auth/caller';
import { Authenticated, Body$, Returns, RoomParam } from '../http/api-decorators';
import { parseRoomId } from '../rooms/rooms.controller';
import { Membership } from './membership';

const MemberPath = z.object({ roomId: RoomId, userId: UserId });
const memberPath = (roomId: string, userId: string) =>
  parseOrThrow(MemberPath, { roomId, userId }, 'path');

@ApiTags('membership')
@Controller('rooms/:roomId')
@Authenticated()
export class MembershipController {
  constructor(private readonly membership: Membership) {}

  @Get('members')
  @RoomParam()
  @Returns(RoomMemberList)
  async members(@CurrentCaller() caller: Caller, @Param('roomId') roomId: string) {
    return { members: await this.membership.list(caller, parseRoomId(roomId)) };
  }

  @Put('members/:userId')
  @RoomParam()
  @ApiParam({ name: 'userId', type: String })
  @Body$(SetMemberRequest)
  @Returns(RoomMember)
  setMember(
    @CurrentCaller() caller: Caller,
    @Param('roomId') roomId: string,
    @Param('userId') userId: string,
    @Body() body: unknown,
  ) {
    const path = memberPath(roomId, userId);
    const request = parseOrThrow(SetMemberRequest, body ?? {}, 'membership');
    return this.membership.set(caller, path.roomId, path.userId, request);
  }

  @Delete('members/:userId')
  @HttpCode(204)
  @RoomParam()
  @ApiParam({ name: 'userId', type: String })
  async removeMember(
    @CurrentCaller() caller: Caller,
    @Param('roomId') roomId: string,
    @Param('userId') userId: string,
  ) {
    const path = memberPath(roomId, userId);
    await this.membership.remove(caller, path.roomId, path.userId);
  }

  @Get('bans')
  @RoomParam()
  @Returns(RoomBanList)
  async bans(@CurrentCaller() caller: Caller, @Param('roomId') roomId: string) {
    return { bans: await this.membership.bans(caller, parseRoomId(roomId)) };
  }

  @Post('bans')
  @RoomParam()
  @Body$(CreateBanRequest)
  @Returns(RoomBan, 201)
  ban(@CurrentCaller() caller: Caller, @Param('roomId') roomId: string, @Body() body: unknown) {
    const id = parseRoomId(roomId);
    return this.membership.ban(caller, id, parseOrThrow(CreateBanRequest, body ?? {}, 'ban'));
  }

  @Delete('bans/:userId')
  @HttpCode(204)
  @RoomParam()
  @ApiParam({ name: 'userId', type: String })
  async unban(
    @CurrentCaller() caller: Caller,
    @Param('roomId') roomId: string,
    @Param('userId') userId: string,
  ) {
    const path = memberPath(roomId, userId);
    await this.membership.unban(caller, path.roomId, path.userId);
  }
}
