import { z } from 'zod';

import { FriendUserEvent } from './identity';
import { InvitationUserEvent } from './rooms/invitations';

/**
 * Every notification for one user, published on `subjects.userEvents(tenant, user)` (by rooms:
 * invitations; by identity: friends) and delivered by the gateways as `user.notification` to
 * every socket of that user: room sockets and the app's user connection alike.
 */
export const UserEvent = z.discriminatedUnion('type', [
  ...InvitationUserEvent.options,
  ...FriendUserEvent.options,
]);
export type UserEvent = z.infer<typeof UserEvent>;
export type UserEventType = UserEvent['type'];
