import { z } from 'zod';

import { RoomId, TenantId, UserId } from '../ids';
import { Timestamp } from './common';

export const INVITATION_DEFAULT_TTL_SECONDS = 24 * 60 * 60;
export const INVITATION_MAX_TTL_SECONDS = 7 * 24 * 60 * 60;

export const InvitationStatus = z.enum(['pending', 'accepted', 'declined', 'expired', 'revoked']);
export type InvitationStatus = z.infer<typeof InvitationStatus>;

export const Invitation = z.object({
  id: z.string(),
  tenantId: TenantId,
  roomId: RoomId,
  roomTitle: z.string(),
  inviterId: UserId,
  inviteeId: UserId,
  status: InvitationStatus,
  createdAt: Timestamp,
  expiresAt: Timestamp,
  respondedAt: Timestamp.nullable(),
});
export type Invitation = z.infer<typeof Invitation>;

/** `POST /rooms/{roomId}/invitations`: invite a friend. */
export const CreateInvitationRequest = z
  .object({
    inviteeId: UserId,
    ttlSeconds: z.number().int().min(60).max(INVITATION_MAX_TTL_SECONDS).optional(),
  })
  .strict();
export type CreateInvitationRequest = z.output<typeof CreateInvitationRequest>;

/** `GET /invitations` query: the ones I received (default) or sent. */
export const ListInvitationsQuery = z
  .object({
    direction: z.enum(['received', 'sent']).default('received'),
    status: InvitationStatus.optional(),
  })
  .strict();
export type ListInvitationsQuery = z.output<typeof ListInvitationsQuery>;

export const InvitationList = z.object({ invitations: z.array(Invitation) });
export type InvitationList = z.infer<typeof InvitationList>;

const invitationEvent = <T extends string>(type: T) =>
  z.object({ type: z.literal(type), tenantId: TenantId, userId: UserId, invitation: Invitation });

/**
 * Notifications the rooms service publishes on `subjects.userEvents(tenant, user)` for the
 * gateways to deliver to that user when online: to the invitee when invited or when the
 * invitation is revoked, to the inviter when it is accepted or declined.
 */
export const InvitationUserEvent = z.discriminatedUnion('type', [
  invitationEvent('invitation.created'),
  invitationEvent('invitation.accepted'),
  invitationEvent('invitation.declined'),
  invitationEvent('invitation.revoked'),
]);
export type InvitationUserEvent = z.infer<typeof InvitationUserEvent>;
