import type { RoomRole } from '@cascade/contracts';

import type { Prisma, PrismaClient, Room } from '../generated/prisma/client';
import { type UserFacts, canSee, roomNotFound } from './room-policy';

export type Db = PrismaClient | Prisma.TransactionClient;

export interface RoomWithUser {
  room: Room;
  user: UserFacts;
}

/**
 * Loads a room of a tenant with what is known about one user in it. Another tenant's room, or a
 * private room the user cannot see, is `NOT_FOUND` (its existence is not revealed).
 */
export class RoomAccess {
  constructor(private readonly db: PrismaClient) {}

  async visible(tenantId: string, roomId: string, userId: string, db: Db = this.db) {
    const found = await this.load(tenantId, roomId, userId, db);
    if (!found || !canSee(found.room, found.user)) throw roomNotFound(roomId);
    return found;
  }

  async load(
    tenantId: string,
    roomId: string,
    userId: string,
    db: Db = this.db,
  ): Promise<RoomWithUser | undefined> {
    const room = await db.room.findUnique({ where: { tenantId_id: { tenantId, id: roomId } } });
    if (!room) return undefined;
    return { room, user: await userFacts(db, room, userId, db !== this.db) };
  }
}

/**
 * What is known about a user in a room. Inside a transaction (`db` a transaction client, and
 * `inTransaction` set) its four reads go one after another: a transaction is one connection, on
 * which node-postgres runs one query at a time and warns of a query asked while another runs
 * (a DeprecationWarning; pg 9 will refuse it), and Prisma's adapter sends concurrent reads of a
 * transaction to that connection as they come. Outside, they go to the pool at once.
 */
export async function userFacts(
  db: Db,
  room: Room,
  userId: string,
  inTransaction = false,
): Promise<UserFacts> {
  const key = { tenantId: room.tenantId, roomId: room.id, userId };
  const now = new Date();
  const member = () => db.roomMember.findUnique({ where: { tenantId_roomId_userId: key } });
  const ban = () => db.roomBan.findUnique({ where: { tenantId_roomId_userId: key } });
  const invitation = () =>
    db.invitation.findFirst({
      where: {
        tenantId: room.tenantId,
        roomId: room.id,
        inviteeId: userId,
        status: 'pending',
        expiresAt: { gt: now },
      },
      select: { id: true },
    });
  const participant = () =>
    db.roomParticipant.findFirst({
      where: {
        ...key,
        OR: [{ state: 'present' }, { state: 'reserved', heldUntil: { gt: now } }],
      },
      select: { participantId: true },
    });
  const [m, b, i, p] = inTransaction
    ? [await member(), await ban(), await invitation(), await participant()]
    : await Promise.all([member(), ban(), invitation(), participant()]);
  return {
    role: (m?.role ?? null) as RoomRole | null,
    banned: b !== null,
    invited: i !== null,
    participating: p !== null,
  };
}
