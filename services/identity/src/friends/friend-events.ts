import type { FriendRequest, FriendUserEvent, PublicProfile } from '@cascade/contracts';

/** Something that happened between users that the users concerned are told about. */
export type FriendChange =
  /** A request was created (and is pending). */
  | { type: 'requested'; tenantId: string; request: FriendRequest }
  /**
   * `accepter` accepted `requester`'s request, or sent a request that met `requester`'s
   * opposite one (`crossed`): both asked, so both are told.
   */
  | {
      type: 'befriended';
      tenantId: string;
      requester: PublicProfile;
      accepter: PublicProfile;
      crossed: boolean;
    }
  | { type: 'declined'; tenantId: string; requestId: string; requesterId: string }
  | { type: 'cancelled'; tenantId: string; requestId: string; recipientId: string }
  /** `userId` ended the friendship with `formerFriendId`. */
  | { type: 'unfriended'; tenantId: string; userId: string; formerFriendId: string }
  /** `userId` entered or left a room; `friendIds` are their friends. */
  | { type: 'presence'; tenantId: string; userId: string; friendIds: readonly string[] };

/**
 * Who is told what: the notifications one change sends, each addressed to one user (`userId`).
 * The user who acted is not told about their own action, except when their request met an
 * opposite one (their answer says so, but their other devices learn it here).
 */
export function friendEvents(change: FriendChange): FriendUserEvent[] {
  const { tenantId } = change;
  switch (change.type) {
    case 'requested':
      return [
        {
          type: 'friend.requestReceived',
          tenantId,
          userId: change.request.to.id,
          request: change.request,
        },
      ];
    case 'befriended': {
      const toRequester: FriendUserEvent = {
        type: 'friend.requestAccepted',
        tenantId,
        userId: change.requester.id,
        friend: change.accepter,
      };
      if (!change.crossed) return [toRequester];
      return [
        toRequester,
        {
          type: 'friend.requestAccepted',
          tenantId,
          userId: change.accepter.id,
          friend: change.requester,
        },
      ];
    }
    case 'declined':
      return [
        {
          type: 'friend.requestDeclined',
          tenantId,
          userId: change.requesterId,
          requestId: change.requestId,
        },
      ];
    case 'cancelled':
      return [
        {
          type: 'friend.requestCancelled',
          tenantId,
          userId: change.recipientId,
          requestId: change.requestId,
        },
      ];
    case 'unfriended':
      return [
        {
          type: 'friend.removed',
          tenantId,
          userId: change.formerFriendId,
          friendId: change.userId,
        },
      ];
    case 'presence':
      return [...new Set(change.friendIds)]
        .filter((id) => id !== change.userId)
        .map((friendOf) => ({
          type: 'friend.presenceChanged',
          tenantId,
          userId: friendOf,
          friendId: change.userId,
        }));
  }
}
