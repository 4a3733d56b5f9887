import type { Redis } from 'ioredis';

import { type RoomState, roomNodes } from './room-state';

/**
 * Rooms in Redis, so that a restarted or second orchestrator replica carries on where the first
 * stopped. One JSON document per room, plus two indexes (every room; the rooms on each node)
 * written in the same MULTI, so a reader never sees a room without its index entries.
 *
 *   orch:room:<tenant>:<room>     the RoomState
 *   orch:rooms                    set of "<tenant>/<room>"
 *   orch:node-rooms:<node>        set of "<tenant>/<room>" using the node
 */
export class RoomStore {
  constructor(private readonly redis: Redis) {}

  async load(tenantId: string, roomId: string): Promise<RoomState | undefined> {
    const raw = await this.redis.get(roomDoc(tenantId, roomId));
    return raw ? (JSON.parse(raw) as RoomState) : undefined;
  }

  /** Writes the room (or deletes it when `empty`), fixing the node index against `before`. */
  async save(state: RoomState, before: Set<string>, empty: boolean): Promise<void> {
    const key = roomKey(state.tenantId, state.roomId);
    const after = empty ? new Set<string>() : roomNodes(state);
    const tx = this.redis.multi();
    if (empty) {
      tx.del(roomDoc(state.tenantId, state.roomId));
      tx.srem('orch:rooms', key);
    } else {
      tx.set(roomDoc(state.tenantId, state.roomId), JSON.stringify(state));
      tx.sadd('orch:rooms', key);
    }
    for (const node of before) if (!after.has(node)) tx.srem(`orch:node-rooms:${node}`, key);
    for (const node of after) if (!before.has(node)) tx.sadd(`orch:node-rooms:${node}`, key);
    const results = await tx.exec();
    const failed = results?.find(([error]) => error);
    if (!results || failed) throw failed?.[0] ?? new Error('Redis transaction was discarded');
  }

  async rooms(): Promise<Array<{ tenantId: string; roomId: string }>> {
    return (await this.redis.smembers('orch:rooms')).map(splitKey);
  }

  async roomsOnNode(nodeId: string): Promise<Array<{ tenantId: string; roomId: string }>> {
    return (await this.redis.smembers(`orch:node-rooms:${nodeId}`)).map(splitKey);
  }

  async nodesWithRooms(): Promise<string[]> {
    const keys = await this.redis.keys(`${this.redis.options.keyPrefix ?? ''}orch:node-rooms:*`);
    const prefix = `${this.redis.options.keyPrefix ?? ''}orch:node-rooms:`;
    return keys.map((k) => k.slice(prefix.length));
  }
}

export function roomKey(tenantId: string, roomId: string): string {
  return `${tenantId}/${roomId}`;
}

function roomDoc(tenantId: string, roomId: string): string {
  return `orch:room:${tenantId}:${roomId}`;
}

function splitKey(key: string): { tenantId: string; roomId: string } {
  const [tenantId, roomId] = key.split('/') as [string, string];
  return { tenantId, roomId };
}
