import { describe, expect, it } from 'vitest';

import { friendKeys } from '../friends/api';
import { invitationKeys } from '../invitations/api';
import { notificationEffect } from './notifications';

const invitation = {
  id: 'inv_1',
  tenantId: 't_dev',
  roomId: 'r_1',
  roomTitle: 'Book club',
  inviterId: 'u_alice',
  inviteeId: 'u_bob',
  status: 'pending' as const,
  createdAt: '2026-01-01T00:00:00.000Z',
  expiresAt: '2026-01-02T00:00:00.000Z',
  respondedAt: null,
};
const base = { tenantId: 't_dev', userId: 'u_bob' };

describe('what a notification does', () => {
  it('an invitation refreshes the inbox and says who invited me where', () => {
    expect(notificationEffect({ type: 'invitation.created', ...base, invitation })).toEqual({
      invalidate: [invitationKeys.all],
      toast: { kind: 'invitation', aboutUserId: 'u_alice', roomId: 'r_1', roomTitle: 'Book club' },
    });
  });

  it("a friend's presence refreshes the friends list, quietly", () => {
    expect(
      notificationEffect({ type: 'friend.presenceChanged', ...base, friendId: 'u_alice' }),
    ).toEqual({
      invalidate: [friendKeys.list],
    });
  });

  it('a friend request refreshes friends and names the sender', () => {
    const profile = { id: 'u_alice', displayName: 'Alice', avatarUrl: '' };
    const effect = notificationEffect({
      type: 'friend.requestReceived',
      ...base,
      request: {
        id: 'fr_1',
        from: profile,
        to: { ...profile, id: 'u_bob' },
        createdAt: invitation.createdAt,
      },
    });
    expect(effect.toast).toEqual({ kind: 'friendRequest', aboutUserId: 'u_alice' });
    expect(effect.invalidate).toEqual([friendKeys.all]);
  });
});
