import type { RedisClient } from '@cascade/server-kit';

const CLAIM = `
local owner = redis.call('GET', KEYS[1])
if not owner or owner == ARGV[1] then
  redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
  return ARGV[1]
end
return owner`;

const TAKE_OVER = `
if redis.call('GET', KEYS[1]) == ARGV[2] then
  redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[3])
  return 1
end
return 0`;

const RELEASE = `
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0`;

/**
 * Which orchestrator replica leads each room: a Redis key holding the replica's id with a TTL,
 * renewed while the replica is alive. Only the leader changes a room, so its document needs no
 * further locking; a replica that dies loses its rooms to whoever touches them next.
 */
export class RoomLeases {
  readonly #owned = new Set<string>();

  constructor(
    private readonly redis: RedisClient,
    readonly instanceId: string,
    private readonly leaseMs: number,
  ) {}

  /** Leads the room if nobody else does; answers the leader's id either way. */
  async claim(room: string): Promise<string> {
    const owner = (await this.redis.eval(
      CLAIM,
      1,
      leaseKey(room),
      this.instanceId,
      String(this.leaseMs),
    )) as string;
    if (owner === this.instanceId) this.#owned.add(room);
    return owner;
  }

  /** Takes the room over from a leader that no longer answers. */
  async takeOver(room: string, from: string): Promise<boolean> {
    const took =
      (await this.redis.eval(
        TAKE_OVER,
        1,
        leaseKey(room),
        this.instanceId,
        from,
        String(this.leaseMs),
      )) === 1;
    if (took) this.#owned.add(room);
    return took;
  }

  async release(room: string): Promise<void> {
    this.#owned.delete(room);
    await this.redis.eval(RELEASE, 1, leaseKey(room), this.instanceId);
  }

  /** Extends every lease this replica holds; forgets the ones it lost. */
  async renew(): Promise<void> {
    for (const room of [...this.#owned]) {
      const owner = await this.claim(room).catch(() => undefined);
      if (owner !== this.instanceId) this.#owned.delete(room);
    }
  }

  owned(): string[] {
    return [...this.#owned];
  }

  async releaseAll(): Promise<void> {
    await Promise.all([...this.#owned].map((room) => this.release(room).catch(() => undefined)));
  }
}

function leaseKey(room: string): string {
  return `orch:lease:${room}`;
}
