import type { ParticipantRef } from '../signaling/channels';

/**
 * The gateway's Redis keys (under the kit's `REDIS_KEY_PREFIX`). Tenant and room come first in
 * every per-room key, and ids cannot hold `:`, so tenants never share a key.
 */
export const keys = {
  session: (p: ParticipantRef) => `gw:session:${p.tenantId}:${p.roomId}:${p.participantId}`,
  /** Hash participantId → ParticipantInfo (JSON) of everyone in the room. */
  roster: (tenantId: string, roomId: string) => `gw:room:${tenantId}:${roomId}:participants`,
  /** Hash producerId → producer (JSON) of every producer in the room. */
  producers: (tenantId: string, roomId: string) => `gw:room:${tenantId}:${roomId}:producers`,
  /** The room's last announced active speaker. */
  speaker: (tenantId: string, roomId: string) => `gw:room:${tenantId}:${roomId}:speaker`,
  /** Resume token hash → session reference. */
  resume: (hash: string) => `gw:resume:${hash}`,
  resumePrefix: 'gw:resume:',
  /** Sorted set of disconnected sessions, scored by when their grace period ends. */
  expiring: 'gw:expiring',
  /** Sorted set of gateway instances, scored by their last heartbeat. */
  instances: 'gw:instances',
  /** Set of the sessions whose socket an instance holds. */
  instanceSessions: (instanceId: string) => `gw:instance:${instanceId}:sessions`,
  instanceSessionsPrefix: 'gw:instance:',
  /**
   * Sorted set of one user's live user connections (socket ids), on every instance, scored by
   * when each one's lease ends.
   */
  userConnections: (tenantId: string, userId: string) =>
    `gw:user:${tenantId}:${userId}:connections`,
};

/** A session's reference as stored in sets: `tenant:room:participant`. */
export const refString = (p: ParticipantRef) => `${p.tenantId}:${p.roomId}:${p.participantId}`;

export function parseRef(value: string): ParticipantRef | undefined {
  const [tenantId, roomId, participantId, extra] = value.split(':');
  if (!tenantId || !roomId || !participantId || extra !== undefined) return undefined;
  return { tenantId, roomId, participantId };
}
