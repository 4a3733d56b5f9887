/**
 * Socket.IO rooms ("channels" here, to keep them apart from Cascade's rooms). Every name starts
 * with the tenant, and ids cannot hold `:` (see `Identifier`), so no two tenants' channels meet.
 */
export interface ParticipantRef {
  tenantId: string;
  roomId: string;
  participantId: string;
}

/** Everyone in one room. */
export const roomChannel = (tenantId: string, roomId: string) => `r:${tenantId}:${roomId}`;

/** Every socket of one participant (one, except for a moment during a resume). */
export const participantChannel = (p: ParticipantRef) =>
  `p:${p.tenantId}:${p.roomId}:${p.participantId}`;

/** Every socket of one user, whatever room: notifications. */
export const userChannel = (tenantId: string, userId: string) => `u:${tenantId}:${userId}`;
