import { randomUUID } from 'node:crypto';

import {
  CascadeError,
  type CreateInvitationRequest,
  INVITATION_DEFAULT_TTL_SECONDS,
  type Invitation as InvitationView,
  type InvitationStatus,
  type InvitationUserEvent,
  type ListInvitationsQuery,
} from '@cascade/contracts';

import type { Caller } from '../auth/caller';
import type { Invitation, Prisma, PrismaClient } from '../generated/prisma/client';
import { RoomAccess } from '../rooms/room-access';
import type { FriendshipChecker } from './friendship.client';
import type { InvitationNotifier } from './invitation-notifier';

type Row = Invitation & { room: { title: string } };

/** A pending invitation past its `expiresAt` is expired; nothing else is needed to expire it. */
export function statusOf(
  row: Pick<Invitation, 'status' | 'expiresAt'>,
  now: Date,
): InvitationStatus {
  return row.status === 'pending' && row.expiresAt <= now ? 'expired' : row.status;
}

function view(row: Row, now = new Date()): InvitationView {
  return {
    id: row.id,
    tenantId: row.tenantId,
    roomId: row.roomId,
    roomTitle: row.room.title,
    inviterId: row.inviterId,
    inviteeId: row.inviteeId,
    status: statusOf(row, now),
    createdAt: row.createdAt.toISOString(),
    expiresAt: row.expiresAt.toISOString(),
    respondedAt: row.respondedAt?.toISOString() ?? null,
  };
}

const withRoom = { room: { select: { title: true } } } as const;

/**
 * Invitations of friends into rooms: created by someone who may see the room (a member, for a
 * private one), answered by the invitee, revoked by the inviter; they expire at `expiresAt`.
 * A pending invitation lets the invitee see and join a private room; accepting one makes the
 * invitee a member.
 */
export class Invitations {
  constructor(
    private readonly db: PrismaClient,
    private readonly access: RoomAccess,
    private readonly friendship: FriendshipChecker,
    private readonly notifier: InvitationNotifier,
  ) {}

  async create(caller: Caller, roomId: string, request: CreateInvitationRequest) {
    const { inviteeId } = request;
    if (inviteeId === caller.userId) {
      throw new CascadeError('INVALID_ARGUMENT', 'you cannot invite yourself', {
        issues: [{ path: 'inviteeId', message: 'must be someone else' }],
      });
    }
    const { room, user } = await this.access.visible(caller.tenantId, roomId, caller.userId);
    if (room.status === 'closed') throw new CascadeError('CONFLICT', `room ${roomId} is closed`);
    if (user.banned) throw new CascadeError('FORBIDDEN', `you are banned from room ${roomId}`);
    if (room.visibility === 'private' && user.role === null) {
      throw new CascadeError('FORBIDDEN', `only members invite into private room ${roomId}`);
    }
    if (!(await this.friendship.areFriends(caller.tenantId, caller.userId, inviteeId))) {
      throw new CascadeError('FORBIDDEN', `${inviteeId} is not your friend: invite friends only`);
    }
    const ttl = request.ttlSeconds ?? INVITATION_DEFAULT_TTL_SECONDS;
    const row = await this.db.$transaction(async (tx) => {
      // One invitation at a time per room and invitee: the room's row serializes creators.
      await tx.$queryRaw`SELECT 1 FROM rooms WHERE tenant_id = ${room.tenantId} AND id = ${room.id} FOR UPDATE`;
      const key = { tenantId: room.tenantId, roomId: room.id, userId: inviteeId };
      if (await tx.roomBan.findUnique({ where: { tenantId_roomId_userId: key } })) {
        throw new CascadeError('FORBIDDEN', `${inviteeId} is banned from room ${roomId}`);
      }
      if (await tx.roomMember.findUnique({ where: { tenantId_roomId_userId: key } })) {
        throw new CascadeError('CONFLICT', `${inviteeId} is already a member of room ${roomId}`);
      }
      const now = new Date();
      const pending = await tx.invitation.findFirst({
        where: {
          tenantId: room.tenantId,
          roomId: room.id,
          inviteeId,
          status: 'pending',
          expiresAt: { gt: now },
        },
      });
      if (pending) {
        throw new CascadeError(
          'CONFLICT',
          `${inviteeId} already has a pending invitation to room ${roomId}`,
          {
            invitationId: pending.id,
          },
        );
      }
      return tx.invitation.create({
        data: {
          tenantId: room.tenantId,
          id: randomUUID(),
          roomId: room.id,
          inviterId: caller.userId,
          inviteeId,
          createdAt: now,
          expiresAt: new Date(now.getTime() + ttl * 1000),
        },
        include: withRoom,
      });
    });
    const invitation = view(row);
    this.#notify('invitation.created', inviteeId, invitation);
    return invitation;
  }

  async list(caller: Caller, query: ListInvitationsQuery): Promise<InvitationView[]> {
    const now = new Date();
    const where: Prisma.InvitationWhereInput = {
      tenantId: caller.tenantId,
      ...(query.direction === 'sent' ? { inviterId: caller.userId } : { inviteeId: caller.userId }),
    };
    if (query.status === 'pending')
      Object.assign(where, { status: 'pending', expiresAt: { gt: now } });
    else if (query.status === 'expired')
      Object.assign(where, { status: 'pending', expiresAt: { lte: now } });
    else if (query.status) where.status = query.status;
    const rows = await this.db.invitation.findMany({
      where,
      orderBy: [{ createdAt: 'desc' }, { id: 'desc' }],
      take: 200,
      include: withRoom,
    });
    return rows.map((r) => view(r, now));
  }

  async get(caller: Caller, id: string): Promise<InvitationView> {
    const row = await this.#find(caller, id);
    if (row.inviteeId !== caller.userId && row.inviterId !== caller.userId) throw notFound(id);
    return view(row);
  }

  async accept(caller: Caller, id: string): Promise<InvitationView> {
    const row = await this.#respond(caller, id, 'accepted', async (tx, inv) => {
      const key = { tenantId: inv.tenantId, roomId: inv.roomId, userId: inv.inviteeId };
      const room = await tx.room.findUnique({
        where: { tenantId_id: { tenantId: inv.tenantId, id: inv.roomId } },
      });
      if (room?.status !== 'active')
        throw new CascadeError('CONFLICT', `room ${inv.roomId} is closed`);
      if (await tx.roomBan.findUnique({ where: { tenantId_roomId_userId: key } })) {
        throw new CascadeError('FORBIDDEN', `you are banned from room ${inv.roomId}`);
      }
      await tx.roomMember.upsert({
        where: { tenantId_roomId_userId: key },
        create: { ...key, role: 'member' },
        update: {},
      });
    });
    const invitation = view(row);
    this.#notify('invitation.accepted', row.inviterId, invitation);
    return invitation;
  }

  async decline(caller: Caller, id: string): Promise<InvitationView> {
    const row = await this.#respond(caller, id, 'declined');
    const invitation = view(row);
    this.#notify('invitation.declined', row.inviterId, invitation);
    return invitation;
  }

  /** The inviter takes a pending invitation back. */
  async revoke(caller: Caller, id: string): Promise<InvitationView> {
    const row = await this.#find(caller, id);
    if (row.inviterId !== caller.userId) {
      if (row.inviteeId === caller.userId) {
        throw new CascadeError(
          'FORBIDDEN',
          'only the inviter revokes an invitation; decline it instead',
        );
      }
      throw notFound(id);
    }
    const updated = await this.#transition(row, 'revoked');
    const invitation = view(updated);
    this.#notify('invitation.revoked', row.inviteeId, invitation);
    return invitation;
  }

  async #respond(
    caller: Caller,
    id: string,
    status: 'accepted' | 'declined',
    effect?: (tx: Prisma.TransactionClient, inv: Invitation) => Promise<void>,
  ): Promise<Row> {
    const row = await this.#find(caller, id);
    if (row.inviteeId !== caller.userId) {
      if (row.inviterId === caller.userId) {
        throw new CascadeError('FORBIDDEN', 'only the invitee answers an invitation');
      }
      throw notFound(id);
    }
    return this.#transition(row, status, effect);
  }

  /** Moves a pending, unexpired invitation to `status`, once, even under concurrent answers. */
  async #transition(
    row: Row,
    status: 'accepted' | 'declined' | 'revoked',
    effect?: (tx: Prisma.TransactionClient, inv: Invitation) => Promise<void>,
  ): Promise<Row> {
    return this.db.$transaction(async (tx) => {
      const now = new Date();
      const { count } = await tx.invitation.updateMany({
        where: { tenantId: row.tenantId, id: row.id, status: 'pending', expiresAt: { gt: now } },
        data: { status, respondedAt: now },
      });
      if (count === 0) {
        const current = statusOf(row, now);
        throw new CascadeError(
          'CONFLICT',
          current === 'pending'
            ? `invitation ${row.id} was answered meanwhile`
            : `invitation ${row.id} is ${current}`,
          { status: current },
        );
      }
      if (effect) await effect(tx, row);
      return tx.invitation.findUniqueOrThrow({
        where: { tenantId_id: { tenantId: row.tenantId, id: row.id } },
        include: withRoom,
      });
    });
  }

  async #find(caller: Caller, id: string): Promise<Row> {
    const row = await this.db.invitation.findUnique({
      where: { tenantId_id: { tenantId: caller.tenantId, id } },
      include: withRoom,
    });
    if (!row) throw notFound(id);
    return row;
  }

  #notify(type: InvitationUserEvent['type'], userId: string, invitation: InvitationView): void {
    this.notifier.notify({ type, tenantId: invitation.tenantId, userId, invitation });
  }
}

function notFound(id: string): CascadeError {
  return new CascadeError('NOT_FOUND', `invitation ${id} not found`);
}
