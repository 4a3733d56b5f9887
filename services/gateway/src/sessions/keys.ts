import type { ParticipantRef } from '../signaling/channels';

/**
 * The hash tag of every key the session scripts and transactions touch together: Redis Cluster
 * hashes only the part in braces, so they all live in one slot and a script may name any of them
 * (a script's keys must share a slot there). One slot also holds them on one shard: the price of
 * the global expiry and instance sets, which every session's scripts update atomically.
 */
export const SESSIONS_TAG = '{gw-sessions}';
const S = `gw:${SESSIONS_TAG}`;

/**
 * The gateway's Redis keys (under the kit's `REDIS_KEY_PREFIX`). Tenant and room come first in
 * every per-room key, and ids cannot hold `:`, so tenants never share a key.
 *
 * Before the hash tag the session keys were `gw:session:…`, `gw:expiring`, … (no tag). Gateways
 * of both layouts do not see each other's sessions: upgrade them all at once, or accept that a
 * session open during the rollout cannot be resumed on a gateway of the other layout (its client
 * joins again). The old keys expire with their grace period or are left unread.
 */
export const keys = {
  session: (p: ParticipantRef) => `${S}:session:${p.tenantId}:${p.roomId}:${p.participantId}`,
  /** Hash participantId → ParticipantInfo (JSON) of everyone in the room. */
  roster: (tenantId: string, roomId: string) => `${S}:room:${tenantId}:${roomId}:participants`,
  /**
   * Hash participantId → ParticipantInfo (JSON) of the room's viewers (subscribe-only): kept
   * apart from the roster, which lists the speakers (the tiles), so that a webinar's join reads
   * its speakers, not its thousands of viewers, and the count is one HLEN.
   */
  viewers: (tenantId: string, roomId: string) => `${S}:room:${tenantId}:${roomId}:viewers`,
  /** Hash producerId → producer (JSON) of every producer in the room. */
  producers: (tenantId: string, roomId: string) => `${S}:room:${tenantId}:${roomId}:producers`,
  /** The room's last announced active speaker. */
  speaker: (tenantId: string, roomId: string) => `${S}:room:${tenantId}:${roomId}:speaker`,
  /** Resume token hash → session reference. */
  resume: (hash: string) => `${S}:resume:${hash}`,
  /** Sorted set of disconnected sessions, scored by when their grace period ends. */
  expiring: `${S}:expiring`,
  /** Sorted set of gateway instances, scored by their last heartbeat. */
  instances: `${S}:instances`,
  /** Set of the sessions whose socket an instance holds. */
  instanceSessions: (instanceId: string) => `${S}:instance:${instanceId}:sessions`,
  /**
   * Sorted set of one user's live user connections (socket ids), on every instance, scored by
   * when each one's lease ends. Used alone, so it needs no hash tag.
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
