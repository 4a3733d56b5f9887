import {
  CascadeError,
  type CreateBanRequest,
  type MemberRoleRequest,
  type RoomBan,
  type RoomMember,
  type RoomRole,
  type SetMemberRequest,
} from '@cascade/contracts';

import type { Caller } from '../auth/caller';
import type { PrismaClient } from '../generated/prisma/client';
import { RoomAccess } from '../rooms/room-access';
import { mayBan, mayManageBans, mayRemove, maySetRole } from './role-policy';

type MemberRow = { roomId: string; userId: string; role: RoomRole; createdAt: Date };
type BanRow = {
  roomId: string;
  userId: string;
  bannedBy: string;
  reason: string | null;
  createdAt: Date;
};

const memberView = (m: MemberRow): RoomMember => ({
  roomId: m.roomId,
  userId: m.userId,
  role: m.role,
  createdAt: m.createdAt.toISOString(),
});
const banView = (b: BanRow): RoomBan => ({
  roomId: b.roomId,
  userId: b.userId,
  bannedBy: b.bannedBy,
  reason: b.reason,
  createdAt: b.createdAt.toISOString(),
});

/** Members and their roles, and bans, of one room. */
export class Membership {
  constructor(
    private readonly db: PrismaClient,
    private readonly access: RoomAccess,
  ) {}

  /**
   * A user's role in an active room of the tenant; null without one, and for a room that is not
   * there (another tenant's, or closed). Answers other services, which ask for their own caller.
   */
  async roleOf({ tenantId, roomId, userId }: MemberRoleRequest): Promise<RoomRole | null> {
    const member = await this.db.roomMember.findFirst({
      where: { tenantId, roomId, userId, room: { status: 'active' } },
      select: { role: true },
    });
    return (member?.role ?? null) as RoomRole | null;
  }

  async list(caller: Caller, roomId: string): Promise<RoomMember[]> {
    const { room } = await this.access.visible(caller.tenantId, roomId, caller.userId);
    const rows = await this.db.roomMember.findMany({
      where: { tenantId: room.tenantId, roomId: room.id },
      orderBy: [{ createdAt: 'asc' }, { userId: 'asc' }],
    });
    return rows.map(memberView);
  }

  async set(caller: Caller, roomId: string, userId: string, request: SetMemberRequest) {
    return this.db.$transaction(async (tx) => {
      const { room, user } = await this.access.visible(caller.tenantId, roomId, caller.userId, tx);
      const key = { tenantId: room.tenantId, roomId: room.id, userId };
      const target = await tx.roomMember.findUnique({ where: { tenantId_roomId_userId: key } });
      const actor = { userId: caller.userId, role: user.role };
      if (!maySetRole(actor, { userId, role: target?.role ?? null }, request.role)) {
        throw new CascadeError(
          'FORBIDDEN',
          `you may not make ${userId} a ${request.role} of room ${roomId}`,
        );
      }
      if (await tx.roomBan.findUnique({ where: { tenantId_roomId_userId: key } })) {
        throw new CascadeError(
          'CONFLICT',
          `${userId} is banned from room ${roomId}; lift the ban first`,
        );
      }
      const row = await tx.roomMember.upsert({
        where: { tenantId_roomId_userId: key },
        create: { ...key, role: request.role },
        update: { role: request.role },
      });
      return memberView(row);
    });
  }

  async remove(caller: Caller, roomId: string, userId: string): Promise<void> {
    await this.db.$transaction(async (tx) => {
      const { room, user } = await this.access.visible(caller.tenantId, roomId, caller.userId, tx);
      const key = { tenantId: room.tenantId, roomId: room.id, userId };
      const target = await tx.roomMember.findUnique({ where: { tenantId_roomId_userId: key } });
      if (!target)
        throw new CascadeError('NOT_FOUND', `${userId} is not a member of room ${roomId}`);
      if (!mayRemove({ userId: caller.userId, role: user.role }, target)) {
        throw new CascadeError('FORBIDDEN', `you may not remove ${userId} from room ${roomId}`);
      }
      await tx.roomMember.delete({ where: { tenantId_roomId_userId: key } });
    });
  }

  async bans(caller: Caller, roomId: string): Promise<RoomBan[]> {
    const { room, user } = await this.access.visible(caller.tenantId, roomId, caller.userId);
    if (!mayManageBans({ userId: caller.userId, role: user.role })) {
      throw new CascadeError(
        'FORBIDDEN',
        `only the owner and moderators see the bans of room ${roomId}`,
      );
    }
    const rows = await this.db.roomBan.findMany({
      where: { tenantId: room.tenantId, roomId: room.id },
      orderBy: [{ createdAt: 'asc' }, { userId: 'asc' }],
    });
    return rows.map(banView);
  }

  /** Bans a user: membership and pending invitations end, and the user can no longer join. */
  async ban(caller: Caller, roomId: string, request: CreateBanRequest): Promise<RoomBan> {
    return this.db.$transaction(async (tx) => {
      const { room, user } = await this.access.visible(caller.tenantId, roomId, caller.userId, tx);
      const key = { tenantId: room.tenantId, roomId: room.id, userId: request.userId };
      const target = await tx.roomMember.findUnique({ where: { tenantId_roomId_userId: key } });
      const actor = { userId: caller.userId, role: user.role };
      if (!mayBan(actor, { userId: request.userId, role: target?.role ?? null })) {
        throw new CascadeError(
          'FORBIDDEN',
          `you may not ban ${request.userId} from room ${roomId}`,
        );
      }
      if (await tx.roomBan.findUnique({ where: { tenantId_roomId_userId: key } })) {
        throw new CascadeError(
          'CONFLICT',
          `${request.userId} is already banned from room ${roomId}`,
        );
      }
      if (target) await tx.roomMember.delete({ where: { tenantId_roomId_userId: key } });
      await tx.invitation.updateMany({
        where: {
          tenantId: room.tenantId,
          roomId: room.id,
          inviteeId: request.userId,
          status: 'pending',
        },
        data: { status: 'revoked', respondedAt: new Date() },
      });
      const row = await tx.roomBan.create({
        data: { ...key, bannedBy: caller.userId, reason: request.reason ?? null },
      });
      return banView(row);
    });
  }

  async unban(caller: Caller, roomId: string, userId: string): Promise<void> {
    const { room, user } = await this.access.visible(caller.tenantId, roomId, caller.userId);
    if (!mayManageBans({ userId: caller.userId, role: user.role })) {
      throw new CascadeError(
        'FORBIDDEN',
        `only the owner and moderators lift bans in room ${roomId}`,
      );
    }
    const { count } = await this.db.roomBan.deleteMany({
      where: { tenantId: room.tenantId, roomId: room.id, userId },
    });
    if (count === 0)
      throw new CascadeError('NOT_FOUND', `${userId} is not banned from room ${roomId}`);
  }
}
