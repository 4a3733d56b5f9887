import { Body, Controller, Delete, Get, HttpCode, Param, Post, Query } from '@nestjs/common';
import { ApiParam, ApiTags } from '@nestjs/swagger';
import {
  CreateInvitationRequest,
  Identifier,
  Invitation,
  InvitationList,
  ListInvitationsQuery,
  parseOrThrow,
} from '@cascade/contracts';
import { z } from 'zod';

import { type Caller, CurrentCaller } from '../auth/caller';
import { Authenticated, Body$, QueryOf, Returns, RoomParam } from '../http/api-decorators';
import { parseRoomId } from '../rooms/rooms.controller';
import { Invitations } from './invitations';

const InvitationPath = z.object({ invitationId: Identifier });
const invitationId = (id: string) =>
  parseOrThrow(InvitationPath, { invitationId: id }, 'path').invitationId;
const InvitationParam = () => ApiParam({ name: 'invitationId', type: String });

@ApiTags('invitations')
@Controller()
@Authenticated()
export class InvitationsController {
  constructor(private readonly invitations: Invitations) {}

  /** Invite a friend into a room; the invitee is notified through the gateways. */
  @Post('rooms/:roomId/invitations')
  @RoomParam()
  @Body$(CreateInvitationRequest)
  @Returns(Invitation, 201)
  create(@CurrentCaller() caller: Caller, @Param('roomId') roomId: string, @Body() body: unknown) {
    const id = parseRoomId(roomId);
    return this.invitations.create(
      caller,
      id,
      parseOrThrow(CreateInvitationRequest, body ?? {}, 'invitation'),
    );
  }

  /** Invitations I received (default) or sent, newest first. */
  @Get('invitations')
  @QueryOf(ListInvitationsQuery)
  @Returns(InvitationList)
  async list(@CurrentCaller() caller: Caller, @Query() query: unknown) {
    const q = parseOrThrow(ListInvitationsQuery, query, 'invitation list query');
    return { invitations: await this.invitations.list(caller, q) };
  }

  @Get('invitations/:invitationId')
  @InvitationParam()
  @Returns(Invitation)
  get(@CurrentCaller() caller: Caller, @Param('invitationId') id: string) {
    return this.invitations.get(caller, invitationId(id));
  }

  @Post('invitations/:invitationId/accept')
  @HttpCode(200)
  @InvitationParam()
  @Returns(Invitation)
  accept(@CurrentCaller() caller: Caller, @Param('invitationId') id: string) {
    return this.invitations.accept(caller, invitationId(id));
  }

  @Post('invitations/:invitationId/decline')
  @HttpCode(200)
  @InvitationParam()
  @Returns(Invitation)
  decline(@CurrentCaller() caller: Caller, @Param('invitationId') id: string) {
    return this.invitations.decline(caller, invitationId(id));
  }

  /** The inviter revokes a pending invitation. */
  @Delete('invitations/:invitationId')
  @InvitationParam()
  @Returns(Invitation)
  revoke(@CurrentCaller() caller: Caller, @Param('invitationId') id: string) {
    return this.invitations.revoke(caller, invitationId(id));
  }
}
