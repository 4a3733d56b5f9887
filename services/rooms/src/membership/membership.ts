import {
  type CallBanRequest,
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
import { type Db, RoomAccess } from '../rooms/room-access';
import { roomNotFound } from '../rooms/room-policy';
import { NO_ROOM_REMOVALS, type RoomRemovalNotice } from '../rooms/room-removals';
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
    private readonly removed: RoomRemovalNotice = NO_ROOM_REMOVALS,
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

  /** Removes a member; if it is in the call now, it is put out of it (`member.removed`). */
  async remove(caller: Caller, roomId: string, userId: string): Promise<void> {
    const tenantId = await this.db.$transaction(async (tx) => {
      const { room, user } = await this.access.visible(caller.tenantId, roomId, caller.userId, tx);
      const key = { tenantId: room.tenantId, roomId: room.id, userId };
      const target = await tx.roomMember.findUnique({ where: { tenantId_roomId_userId: key } });
      if (!target)
        throw new CascadeError('NOT_FOUND', `${userId} is not a member of room ${roomId}`);
      if (!mayRemove({ userId: caller.userId, role: user.role }, target)) {
        throw new CascadeError('FORBIDDEN', `you may not remove ${userId} from room ${roomId}`);
      }
      await tx.roomMember.delete({ where: { tenantId_roomId_userId: key } });
      return room.tenantId;
    });
    this.removed({ type: 'member.removed', tenantId, roomId, userId });
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

  /**
   * Bans a user: membership and pending invitations end, the user can no longer join, and if
   * it is in the call now it is put out of it (`user.banned`).
   */
  async ban(caller: Caller, roomId: string, request: CreateBanRequest): Promise<RoomBan> {
    const ban = await this.db.$transaction(async (tx) => {
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
      return banView(await recordBan(tx, key, caller.userId, request.reason));
    });
    this.removed({
      type: 'user.banned',
      tenantId: caller.tenantId,
      roomId: ban.roomId,
      userId: ban.userId,
    });
    return ban;
  }

  /**
   * A ban decided in a call (`CallBanRequest`, from the gateway): recorded as {@link ban} does,
   * with its rules when the moderator acted by its role (its role now), and announced. Resolves
   * false when the user was banned already.
   */
  async banFromCall(request: CallBanRequest): Promise<boolean> {
    const { tenantId, roomId, userId, bannedBy } = request;
    const banned = await this.db.$transaction(async (tx) => {
      const found = await this.access.load(tenantId, roomId, bannedBy, tx);
      if (!found || found.room.status !== 'active') throw roomNotFound(roomId);
      const key = { tenantId, roomId: found.room.id, userId };
      const target = await tx.roomMember.findUnique({ where: { tenantId_roomId_userId: key } });
      const targetFacts = { userId, role: (target?.role ?? null) as RoomRole | null };
      const allowed =
        request.authority === 'grant'
          ? targetFacts.role !== 'owner'
          : mayBan({ userId: bannedBy, role: found.user.role }, targetFacts);
      if (!allowed)
        throw new CascadeError('FORBIDDEN', `you may not ban ${userId} from room ${roomId}`);
      if (await tx.roomBan.findUnique({ where: { tenantId_roomId_userId: key } })) return false;
      await recordBan(tx, key, bannedBy, request.reason);
      return true;
    });
    // Announced even when banned already: a session that slipped in meanwhile goes too.
    this.removed({ type: 'user.banned', tenantId, roomId, userId });
    return banned;
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

/** Membership and pending invitations end, and the ban is written. */
async function recordBan(
  tx: Db,
  key: { tenantId: string; roomId: string; userId: string },
  bannedBy: string,
  reason: string | undefined,
): Promise<BanRow> {
  await tx.roomMember.deleteMany({ where: key });
  await tx.invitation.updateMany({
    where: { tenantId: key.tenantId, roomId: key.roomId, inviteeId: key.userId, status: 'pending' },
    data: { status: 'revoked', respondedAt: new Date() },
  });
  return tx.roomBan.create({ data: { ...key, bannedBy, reason: reason ?? null } });
}
