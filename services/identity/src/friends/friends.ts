import {
  CascadeError,
  type FriendRequest,
  type FriendRequestListQuery,
  type Page,
  type PageQuery,
  type PublicProfile,
  type SendFriendRequestResult,
} from '@cascade/contracts';

import { invalidField, isUniqueViolation, notFound } from '../common/errors';
import { newId } from '../common/ids';
import { decodeCursor, toPage } from '../common/pagination';
import type { PrismaClient } from '../generated/prisma/client';
import { type UserRow, toPublicProfile } from '../profiles/users';
import type { FriendChange } from './friend-events';
import type { FriendDirectory } from './friend-presence';

/** A friend without where they are now (the rooms service knows that). */
export interface FriendEntry {
  user: PublicProfile;
  since: string;
}

/** Told about each change once it is committed; never fails the change. */
export interface FriendChangeListener {
  notify(change: FriendChange): Promise<void>;
}

/**
 * Friends within one tenant: requests (send, accept, decline, cancel) and friendships (kept as
 * one row per direction, so each side lists and pages its own). Requests that cross (both asked)
 * become a friendship at once. Every change is told to the listener after it is committed.
 */
export class Friends implements FriendDirectory {
  constructor(
    private readonly prisma: PrismaClient,
    private readonly listener: FriendChangeListener,
  ) {}

  async send(
    tenantId: string,
    fromUserId: string,
    toUserId: string,
  ): Promise<SendFriendRequestResult> {
    if (fromUserId === toUserId) throw invalidField('userId', 'you cannot befriend yourself');
    const [from, to] = await Promise.all([
      this.prisma.user.findFirst({ where: { id: fromUserId, tenantId } }),
      this.prisma.user.findFirst({ where: { id: toUserId, tenantId } }),
    ]);
    if (!from) throw notFound('user');
    if (!to) throw notFound('user');
    if (await this.#areFriends(tenantId, fromUserId, toUserId)) {
      throw new CascadeError('CONFLICT', 'you are already friends');
    }
    const crossing = await this.prisma.friendRequest.findUnique({
      where: {
        tenantId_fromUserId_toUserId: { tenantId, fromUserId: toUserId, toUserId: fromUserId },
      },
    });
    if (crossing) {
      await this.#befriend(tenantId, crossing.id, fromUserId, toUserId);
      this.#tell({
        type: 'befriended',
        tenantId,
        requester: toPublicProfile(to),
        accepter: toPublicProfile(from),
        crossed: true,
      });
      return { status: 'accepted', friend: toPublicProfile(to) };
    }
    try {
      const row = await this.prisma.friendRequest.create({
        data: { id: newId('frq'), tenantId, fromUserId, toUserId },
      });
      const request: FriendRequest = {
        id: row.id,
        from: toPublicProfile(from),
        to: toPublicProfile(to),
        createdAt: row.createdAt.toISOString(),
      };
      this.#tell({ type: 'requested', tenantId, request });
      return { status: 'pending', request };
    } catch (error) {
      if (isUniqueViolation(error)) {
        throw new CascadeError('CONFLICT', 'you already asked this user');
      }
      throw error;
    }
  }

  async listRequests(
    tenantId: string,
    userId: string,
    query: FriendRequestListQuery,
  ): Promise<Page<FriendRequest>> {
    const after = decodeCursor(query.cursor);
    const mine = query.direction === 'incoming' ? { toUserId: userId } : { fromUserId: userId };
    const rows = await this.prisma.friendRequest.findMany({
      where: { tenantId, ...mine, ...(after !== undefined && { id: { gt: after } }) },
      orderBy: { id: 'asc' },
      take: query.limit + 1,
    });
    const users = await this.#users(
      tenantId,
      rows.flatMap((r) => [r.fromUserId, r.toUserId]),
    );
    return toPage(
      rows.filter((r) => users.has(r.fromUserId) && users.has(r.toUserId)),
      query.limit,
      (r) => r.id,
      (r) => ({
        id: r.id,
        from: toPublicProfile(users.get(r.fromUserId) as UserRow),
        to: toPublicProfile(users.get(r.toUserId) as UserRow),
        createdAt: r.createdAt.toISOString(),
      }),
    );
  }

  async accept(tenantId: string, userId: string, requestId: string): Promise<PublicProfile> {
    const request = await this.#request(tenantId, userId, requestId, 'to');
    await this.#befriend(tenantId, request.id, request.toUserId, request.fromUserId);
    const users = await this.#users(tenantId, [request.fromUserId, request.toUserId]);
    const friend = users.get(request.fromUserId);
    const me = users.get(request.toUserId);
    if (!friend || !me) throw notFound('user');
    this.#tell({
      type: 'befriended',
      tenantId,
      requester: toPublicProfile(friend),
      accepter: toPublicProfile(me),
      crossed: false,
    });
    return toPublicProfile(friend);
  }

  async decline(tenantId: string, userId: string, requestId: string): Promise<void> {
    const request = await this.#request(tenantId, userId, requestId, 'to');
    if (await this.#deleteRequest(request.id)) {
      this.#tell({
        type: 'declined',
        tenantId,
        requestId: request.id,
        requesterId: request.fromUserId,
      });
    }
  }

  async cancel(tenantId: string, userId: string, requestId: string): Promise<void> {
    const request = await this.#request(tenantId, userId, requestId, 'from');
    if (await this.#deleteRequest(request.id)) {
      this.#tell({
        type: 'cancelled',
        tenantId,
        requestId: request.id,
        recipientId: request.toUserId,
      });
    }
  }

  async remove(tenantId: string, userId: string, friendId: string): Promise<void> {
    const { count } = await this.prisma.friendship.deleteMany({
      where: {
        tenantId,
        OR: [
          { userId, friendId },
          { userId: friendId, friendId: userId },
        ],
      },
    });
    if (count === 0) throw notFound('friend');
    this.#tell({ type: 'unfriended', tenantId, userId, formerFriendId: friendId });
  }

  /** Up to `limit` friend ids of a user (whom their presence changes are told), one query. */
  async friendIdsOf(tenantId: string, userId: string, limit: number): Promise<string[]> {
    const rows = await this.prisma.friendship.findMany({
      where: { tenantId, userId },
      select: { friendId: true },
      orderBy: { friendId: 'asc' },
      take: limit,
    });
    return rows.map((r) => r.friendId);
  }

  async list(tenantId: string, userId: string, query: PageQuery): Promise<Page<FriendEntry>> {
    const after = decodeCursor(query.cursor);
    const rows = await this.prisma.friendship.findMany({
      where: { tenantId, userId, ...(after !== undefined && { friendId: { gt: after } }) },
      orderBy: { friendId: 'asc' },
      take: query.limit + 1,
    });
    const users = await this.#users(
      tenantId,
      rows.map((r) => r.friendId),
    );
    const page = toPage(
      rows,
      query.limit,
      (r) => r.friendId,
      (r) => {
        const user = users.get(r.friendId);
        return user ? { user: toPublicProfile(user), since: r.createdAt.toISOString() } : null;
      },
    );
    return {
      items: page.items.filter((i): i is FriendEntry => i !== null),
      nextCursor: page.nextCursor,
    };
  }

  /** Which of `others` are friends of `userId` (the rooms service asks before an invitation). */
  async friendsAmong(
    tenantId: string,
    userId: string,
    others: readonly string[],
  ): Promise<string[]> {
    if (others.length === 0) return [];
    const rows = await this.prisma.friendship.findMany({
      where: { tenantId, userId, friendId: { in: [...new Set(others)] } },
      select: { friendId: true },
    });
    const friends = new Set(rows.map((r) => r.friendId));
    return others.filter((id, i) => friends.has(id) && others.indexOf(id) === i);
  }

  async #areFriends(tenantId: string, userId: string, friendId: string): Promise<boolean> {
    const row = await this.prisma.friendship.findUnique({
      where: { tenantId_userId_friendId: { tenantId, userId, friendId } },
    });
    return row !== null;
  }

  /** The request, seen by its recipient (`to`) or its sender (`from`). */
  async #request(tenantId: string, userId: string, requestId: string, as: 'to' | 'from') {
    const request = await this.prisma.friendRequest.findFirst({
      where: { id: requestId, tenantId },
    });
    if (!request || (request.toUserId !== userId && request.fromUserId !== userId)) {
      throw notFound('friend request');
    }
    if (as === 'to' && request.toUserId !== userId) {
      throw new CascadeError('FORBIDDEN', 'only the recipient answers a friend request');
    }
    if (as === 'from' && request.fromUserId !== userId) {
      throw new CascadeError('FORBIDDEN', 'only the sender cancels a friend request');
    }
    return request;
  }

  /** Turns a request into a friendship, atomically: both rows, and the request gone. */
  async #befriend(tenantId: string, requestId: string, a: string, b: string): Promise<void> {
    await this.prisma.$transaction(async (tx) => {
      const { count } = await tx.friendRequest.deleteMany({ where: { id: requestId } });
      if (count === 0) throw notFound('friend request');
      await tx.friendship.createMany({
        data: [
          { tenantId, userId: a, friendId: b },
          { tenantId, userId: b, friendId: a },
        ],
        skipDuplicates: true,
      });
    });
  }

  /** Deletes a request; whether this call deleted it (a concurrent answer may have first). */
  async #deleteRequest(id: string): Promise<boolean> {
    const { count } = await this.prisma.friendRequest.deleteMany({ where: { id } });
    return count > 0;
  }

  /** Tells the listener about a committed change, without waiting for it (it never fails). */
  #tell(change: FriendChange): void {
    void this.listener.notify(change);
  }

  async #users(tenantId: string, ids: string[]): Promise<Map<string, UserRow>> {
    if (ids.length === 0) return new Map();
    const rows = await this.prisma.user.findMany({
      where: { tenantId, id: { in: [...new Set(ids)] } },
    });
    return new Map(rows.map((r) => [r.id, r]));
  }
}
