import type { RedisClient } from '@cascade/server-kit';

import { keys } from '../sessions/keys';

/** Whose slot a socket holds. */
export interface SlotOwner {
  tenantId: string;
  userId: string;
}

export interface SlotSettings {
  /** Live user connections one user may hold, across every instance. */
  max: number;
  /**
   * How long a slot stays taken without being renewed: the slots of an instance that died
   * (and so never released them) are free again after this long. Renewed every third of it.
   */
  leaseMs: number;
}

/** Leases every slot this instance holds for this long unless told otherwise (ms). */
export const DEFAULT_SLOT_LEASE_MS = 60_000;

/**
 * Takes a slot unless the user holds `max` live ones. Expired leases (a dead instance's) are
 * dropped first; a socket that already holds a slot keeps it. Atomic: two instances admitting
 * the same user at once cannot both take the last slot.
 */
const ACQUIRE = `
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', ARGV[1])
if not redis.call('ZSCORE', KEYS[1], ARGV[3]) and redis.call('ZCARD', KEYS[1]) >= tonumber(ARGV[4]) then
  return 0
end
redis.call('ZADD', KEYS[1], ARGV[2], ARGV[3])
redis.call('PEXPIRE', KEYS[1], ARGV[5])
return 1`;

/**
 * The cap on user connections: each user's live connections are one sorted set in Redis (socket
 * ids scored by the end of their lease), shared by every gateway instance. An instance renews the
 * leases of the slots it holds, and releases a slot when its socket disconnects; the slots of an
 * instance that crashed age out once their lease ends.
 */
export class UserConnectionSlots {
  /** Socket id → owner, of the slots this instance holds. */
  readonly #held = new Map<string, SlotOwner>();

  constructor(
    private readonly redis: RedisClient,
    private readonly settings: SlotSettings,
    private readonly clock: () => number = Date.now,
  ) {}

  get max(): number {
    return this.settings.max;
  }

  /** Slots this instance holds now. */
  get held(): number {
    return this.#held.size;
  }

  /** Takes a slot of `owner` for `socketId`; false when all of them are taken. */
  async acquire(owner: SlotOwner, socketId: string): Promise<boolean> {
    const now = this.clock();
    const taken = await this.redis.eval(
      ACQUIRE,
      1,
      keys.userConnections(owner.tenantId, owner.userId),
      String(now),
      String(now + this.settings.leaseMs),
      socketId,
      String(this.settings.max),
      String(this.settings.leaseMs),
    );
    if (taken !== 1) return false;
    this.#held.set(socketId, { tenantId: owner.tenantId, userId: owner.userId });
    return true;
  }

  /** Gives back the slot `socketId` holds, if any (idempotent). */
  async release(socketId: string): Promise<void> {
    const owner = this.#held.get(socketId);
    if (!owner) return;
    this.#held.delete(socketId);
    await this.redis.zrem(keys.userConnections(owner.tenantId, owner.userId), socketId);
  }

  /**
   * Extends the lease of every slot this instance holds (a slot dropped meanwhile, when this
   * instance was too slow to renew it, is taken again: its socket is still connected).
   */
  async renew(): Promise<void> {
    if (this.#held.size === 0) return;
    const expiresAt = String(this.clock() + this.settings.leaseMs);
    // One pipeline per user's key: on a Redis Cluster a pipeline's keys must share a slot, and
    // different users' keys do not.
    const sockets = new Map<string, string[]>();
    for (const [socketId, owner] of this.#held) {
      const key = keys.userConnections(owner.tenantId, owner.userId);
      sockets.set(key, [...(sockets.get(key) ?? []), socketId]);
    }
    const results = await Promise.all(
      [...sockets].map(async ([key, socketIds]) => {
        const pipeline = this.redis.pipeline();
        for (const socketId of socketIds) pipeline.zadd(key, expiresAt, socketId);
        return (await pipeline.pexpire(key, this.settings.leaseMs).exec()) ?? [];
      }),
    );
    const failed = results.flat().find(([error]) => error !== null);
    if (failed) throw failed[0];
  }

  /** Live slots of a user, on every instance (for tests and diagnostics). */
  async count(owner: SlotOwner): Promise<number> {
    return this.redis.zcount(
      keys.userConnections(owner.tenantId, owner.userId),
      `(${this.clock()}`,
      '+inf',
    );
  }
}
