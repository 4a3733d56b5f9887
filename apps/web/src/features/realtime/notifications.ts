import type { UserEvent } from '@cascade/contracts';

import { friendKeys } from '../friends/api';
import { invitationKeys } from '../invitations/api';

export interface NotificationEffect {
  /** Query keys whose data this notification makes stale. */
  invalidate: ReadonlyArray<readonly unknown[]>;
  /** What to tell the user, if anything. */
  toast?: {
    kind: 'invitation' | 'friendRequest' | 'friendAccepted';
    /** The user to name in the toast (their profile is looked up). */
    aboutUserId: string;
    roomId?: string;
    roomTitle?: string;
  };
}

/** What the app does with each user notification: a pure function, tested beside. */
export function notificationEffect(event: UserEvent): NotificationEffect {
  switch (event.type) {
    case 'invitation.created':
      return {
        invalidate: [invitationKeys.all],
        toast: {
          kind: 'invitation',
          aboutUserId: event.invitation.inviterId,
          roomId: event.invitation.roomId,
          roomTitle: event.invitation.roomTitle,
        },
      };
    case 'invitation.accepted':
    case 'invitation.declined':
    case 'invitation.revoked':
      return { invalidate: [invitationKeys.all] };
    case 'friend.requestReceived':
      return {
        invalidate: [friendKeys.all],
        toast: { kind: 'friendRequest', aboutUserId: event.request.from.id },
      };
    case 'friend.requestAccepted':
      return {
        invalidate: [friendKeys.all],
        toast: { kind: 'friendAccepted', aboutUserId: event.friend.id },
      };
    case 'friend.requestDeclined':
    case 'friend.requestCancelled':
    case 'friend.removed':
      return { invalidate: [friendKeys.all] };
    case 'friend.presenceChanged':
      return { invalidate: [friendKeys.list] };
  }
}
