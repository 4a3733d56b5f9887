import { Controller, Get, Param } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import { RoomParticipantList } from '@cascade/contracts';

import { type Caller, CurrentCaller } from '../auth/caller';
import { Authenticated, Returns, RoomParam } from '../http/api-decorators';
import { RoomAccess } from '../rooms/room-access';
import { parseRoomId } from '../rooms/rooms.controller';
import { PresenceRecorder } from './presence-recorder';

@ApiTags('presence')
@Controller('rooms/:roomId/participants')
@Authenticated()
export class PresenceController {
  constructor(
    private readonly access: RoomAccess,
    private readonly presence: PresenceRecorder,
  ) {}

  /** Who is in the room now. */
  @Get()
  @RoomParam()
  @Returns(RoomParticipantList)
  async list(@CurrentCaller() caller: Caller, @Param('roomId') roomId: string) {
    const { room } = await this.access.visible(caller.tenantId, parseRoomId(roomId), caller.userId);
    return { participants: await this.presence.participants(room.tenantId, room.id) };
  }
}
