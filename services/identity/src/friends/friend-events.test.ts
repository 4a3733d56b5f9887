import type { FriendRequest, PublicProfile } from '@cascade/contracts';

import { friendEvents } from './friend-events';

const person = (id: string): PublicProfile => ({
  id,
  displayName: id.toUpperCase(),
  avatarUrl: `https://avatars.test/${id}.png`,
});
const [ann, bob] = [person('ann'), person('bob')];
const tenantId = 'tnt_1';
const request: FriendRequest = {
  id: 'frq_1',
  from: ann,
  to: bob,
  createdAt: '2026-01-01T00:00:00.000Z',
};

const recipients = (events: ReturnType<typeof friendEvents>) =>
  events.map((e) => [e.type, e.userId]);

describe('who is told about a friend change', () => {
  it('tells the recipient about a new request, and only them', () => {
    expect(friendEvents({ type: 'requested', tenantId, request })).toEqual([
      { type: 'friend.requestReceived', tenantId, userId: 'bob', request },
    ]);
  });

  it('tells the requester that the recipient accepted, with the new friend', () => {
    expect(
      friendEvents({ type: 'befriended', tenantId, requester: ann, accepter: bob, crossed: false }),
    ).toEqual([{ type: 'friend.requestAccepted', tenantId, userId: 'ann', friend: bob }]);
  });

  it('tells both sides when a request meets the opposite one, each about the other', () => {
    const events = friendEvents({
      type: 'befriended',
      tenantId,
      requester: ann,
      accepter: bob,
      crossed: true,
    });
    expect(events).toEqual([
      { type: 'friend.requestAccepted', tenantId, userId: 'ann', friend: bob },
      { type: 'friend.requestAccepted', tenantId, userId: 'bob', friend: ann },
    ]);
    expect(events.map((e) => e.type)).not.toContain('friend.requestReceived');
  });

  it('tells the requester about a decline and the recipient about a cancellation', () => {
    expect(
      friendEvents({ type: 'declined', tenantId, requestId: 'frq_1', requesterId: 'ann' }),
    ).toEqual([{ type: 'friend.requestDeclined', tenantId, userId: 'ann', requestId: 'frq_1' }]);
    expect(
      friendEvents({ type: 'cancelled', tenantId, requestId: 'frq_1', recipientId: 'bob' }),
    ).toEqual([{ type: 'friend.requestCancelled', tenantId, userId: 'bob', requestId: 'frq_1' }]);
  });

  it('tells the former friend, not the one who ended the friendship', () => {
    expect(
      friendEvents({ type: 'unfriended', tenantId, userId: 'ann', formerFriendId: 'bob' }),
    ).toEqual([{ type: 'friend.removed', tenantId, userId: 'bob', friendId: 'ann' }]);
  });

  it('tells each friend once that a user entered or left a room, never the user', () => {
    const events = friendEvents({
      type: 'presence',
      tenantId,
      userId: 'ann',
      friendIds: ['bob', 'cat', 'bob', 'ann'],
    });
    expect(recipients(events)).toEqual([
      ['friend.presenceChanged', 'bob'],
      ['friend.presenceChanged', 'cat'],
    ]);
    expect(events.every((e) => e.type === 'friend.presenceChanged' && e.friendId === 'ann')).toBe(
      true,
    );
    expect(friendEvents({ type: 'presence', tenantId, userId: 'ann', friendIds: [] })).toEqual([]);
  });
});
