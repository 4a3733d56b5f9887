import {
  MediaObjectId,
  NodeId,
  ParticipantId,
  ParticipantPlacement,
  RoomId,
  RoomProducerView,
  TenantId,
  toFieldIssues,
} from '@cascade/contracts';
import { Logger } from '@nestjs/common';
import type { Redis } from 'ioredis';
import { z } from 'zod';

import { type RoomState, roomNodes } from './room-state';

/** The stored room document, as `save` writes it; what `load` accepts back. */
export const StoredRoomState = z.object({
  tenantId: TenantId,
  roomId: RoomId,
  participants: z.record(ParticipantId, ParticipantPlacement),
  producers: z.record(MediaObjectId, RoomProducerView),
  pipes: z.record(z.string(), z.object({ a: NodeId, b: NodeId })),
  piped: z.record(
    z.string(),
    z.object({
      producerId: MediaObjectId,
      from: NodeId,
      to: NodeId,
      consumers: z.array(ParticipantId),
      idleSince: z.number().optional(),
    }),
  ),
}) satisfies z.ZodType<RoomState>;

/** Where the store says that a room document read back from Redis was unusable. */
export interface RoomStoreLog {
  warn(fields: Record<string, unknown>, msg: string): void;
}

function nestWarnings(): RoomStoreLog {
  const logger = new Logger('room-store');
  return { warn: (fields, msg) => logger.warn({ ...fields, msg }) };
}

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
  constructor(
    private readonly redis: Redis,
    private readonly log: RoomStoreLog = nestWarnings(),
  ) {}

  /**
   * The room's document; undefined when there is none, or when what is stored is not a room
   * document (not JSON, another shape, another room's): that is logged and treated as missing.
   */
  async load(tenantId: string, roomId: string): Promise<RoomState | undefined> {
    const key = roomDoc(tenantId, roomId);
    const raw = await this.redis.get(key);
    if (raw === null) return undefined;
    let value: unknown;
    try {
      value = JSON.parse(raw);
    } catch (error) {
      this.log.warn({ key, error: String(error) }, 'a stored room is not JSON; treated as missing');
      return undefined;
    }
    const parsed = StoredRoomState.safeParse(value);
    if (!parsed.success) {
      this.log.warn(
        { key, issues: toFieldIssues(parsed.error) },
        'a stored room is not a room document; treated as missing',
      );
      return undefined;
    }
    if (parsed.data.tenantId !== tenantId || parsed.data.roomId !== roomId) {
      this.log.warn(
        { key, tenantId: parsed.data.tenantId, roomId: parsed.data.roomId },
        'a stored room names another room; treated as missing',
      );
      return undefined;
    }
    return parsed.data;
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
