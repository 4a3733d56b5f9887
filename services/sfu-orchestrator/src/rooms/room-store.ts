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
import { z } from 'zod';
import { type RedisClient, scanKeys } from '@cascade/server-kit';

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
 *   orch:{orch-rooms}:room:<tenant>:<room>     the RoomState
 *   orch:{orch-rooms}:rooms                    set of "<tenant>/<room>"
 *   orch:{orch-rooms}:node-rooms:<node>        set of "<tenant>/<room>" using the node
 *   orch:{orch-rooms}:nodes                    set of the nodes whose node-rooms set is not empty
 *
 * One hash tag over all of them: Redis Cluster runs a MULTI only when its keys share a slot.
 * Before the tag they were `orch:room:…`, `orch:rooms`, `orch:node-rooms:…`; a room still stored
 * that way is read from there, and its old keys are removed when it is next saved.
 */
export class RoomStore {
  /** Rooms loaded from their keys before the hash tag, moved to the tagged keys at their save. */
  readonly #legacy = new Set<string>();

  constructor(
    private readonly redis: RedisClient,
    private readonly log: RoomStoreLog = nestWarnings(),
  ) {}

  /**
   * The room's document; undefined when there is none, or when what is stored is not a room
   * document (not JSON, another shape, another room's): that is logged and treated as missing.
   */
  async load(tenantId: string, roomId: string): Promise<RoomState | undefined> {
    let key = roomDoc(tenantId, roomId);
    let raw = await this.redis.get(key);
    if (raw === null) {
      key = LEGACY.doc(tenantId, roomId);
      raw = await this.redis.get(key);
      if (raw === null) return undefined;
      this.#legacy.add(roomKey(tenantId, roomId));
    }
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
    // A room stored before the hash tag is written anew: its node index starts empty.
    const legacy = this.#legacy.delete(key);
    const indexed = legacy ? new Set<string>() : before;
    const tx = this.redis.multi();
    if (empty) {
      tx.del(roomDoc(state.tenantId, state.roomId));
      tx.srem(ALL_ROOMS, key);
    } else {
      tx.set(roomDoc(state.tenantId, state.roomId), JSON.stringify(state));
      tx.sadd(ALL_ROOMS, key);
    }
    for (const node of indexed) {
      if (after.has(node)) continue;
      tx.srem(nodeRooms(node), key);
      // In the same MULTI, so atomically with the SREM: the node leaves the node set exactly
      // when its last room does (a concurrent save that adds a room to it runs before or after).
      tx.eval(FORGET_EMPTY_NODE, 2, nodeRooms(node), NODES, node);
    }
    for (const node of after) {
      if (indexed.has(node)) continue;
      tx.sadd(nodeRooms(node), key);
      tx.sadd(NODES, node);
    }
    const results = await tx.exec();
    const failed = results?.find(([error]) => error);
    if (!results || failed) throw failed?.[0] ?? new Error('Redis transaction was discarded');
    if (legacy) {
      // One key per command: the old keys are in other slots.
      await Promise.all([
        this.redis.del(LEGACY.doc(state.tenantId, state.roomId)),
        this.redis.srem(LEGACY.rooms, key),
        ...[...before].map((node) => this.redis.srem(LEGACY.nodeRooms(node), key)),
      ]);
    }
  }

  async rooms(): Promise<Array<{ tenantId: string; roomId: string }>> {
    return union(await this.redis.smembers(ALL_ROOMS), await this.redis.smembers(LEGACY.rooms)).map(
      splitKey,
    );
  }

  async roomsOnNode(nodeId: string): Promise<Array<{ tenantId: string; roomId: string }>> {
    return union(
      await this.redis.smembers(nodeRooms(nodeId)),
      await this.redis.smembers(LEGACY.nodeRooms(nodeId)),
    ).map(splitKey);
  }

  /**
   * The nodes that some stored room uses: the node set, maintained by `save` (no KEYS, which
   * blocks Redis for the whole keyspace), each member checked against its room set. Rooms still
   * stored under the keys before the hash tag are found with SCAN (incremental, never blocking)
   * until they are saved again.
   */
  async nodesWithRooms(): Promise<string[]> {
    const members = await this.redis.smembers(NODES);
    const sizes = members.length
      ? await this.redis.pipeline(members.map((node) => ['scard', nodeRooms(node)])).exec()
      : [];
    const nodes = members.filter((_, i) => {
      const [error, size] = sizes?.[i] ?? [new Error('no reply')];
      if (error) throw error;
      return Number(size) > 0;
    });
    const prefix = this.redis.options.keyPrefix ?? '';
    const pattern = LEGACY.nodeRooms('');
    const legacy = await scanKeys(this.redis, `${prefix}${pattern}*`);
    nodes.push(...legacy.map((k) => k.slice(prefix.length + pattern.length)));
    return union(nodes, []);
  }
}

/** The hash tag of every key the store writes in one MULTI. */
export const ROOMS_TAG = '{orch-rooms}';
const ALL_ROOMS = `orch:${ROOMS_TAG}:rooms`;
const nodeRooms = (node: string) => `orch:${ROOMS_TAG}:node-rooms:${node}`;
const NODES = `orch:${ROOMS_TAG}:nodes`;
/** KEYS[1] a node's room set, KEYS[2] the node set, ARGV[1] the node: forget it once empty. */
const FORGET_EMPTY_NODE = `if redis.call('SCARD', KEYS[1]) == 0 then redis.call('SREM', KEYS[2], ARGV[1]) end return 0`;

/** The keys before the hash tag, read until the rooms stored under them are saved again. */
const LEGACY = {
  doc: (tenantId: string, roomId: string) => `orch:room:${tenantId}:${roomId}`,
  rooms: 'orch:rooms',
  nodeRooms: (node: string) => `orch:node-rooms:${node}`,
};

const union = (a: string[], b: string[]) => [...new Set([...a, ...b])];

export function roomKey(tenantId: string, roomId: string): string {
  return `${tenantId}/${roomId}`;
}

export function roomDoc(tenantId: string, roomId: string): string {
  return `orch:${ROOMS_TAG}:room:${tenantId}:${roomId}`;
}

function splitKey(key: string): { tenantId: string; roomId: string } {
  const [tenantId, roomId] = key.split('/') as [string, string];
  return { tenantId, roomId };
}
