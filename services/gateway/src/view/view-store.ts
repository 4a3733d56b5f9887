import { ClientView, MAX_LAST_N, ParticipantId } from '@cascade/contracts';
import type { RedisClient } from '@cascade/server-kit';
import { z } from 'zod';

import { type StoredDocumentLog, nestWarnings, readStoredJson } from '../sessions/session-store';
import type { Audible } from './audio-planner';
import type { WantedLayer } from './dynacast';

/** How long a room's views and speakers outlive their last change. */
const ROOM_VIEW_TTL_MS = 24 * 3_600_000;

/**
 * The room's keys, in one hash slot (the room in braces) so that a script may name both. Under
 * the kit's `REDIS_KEY_PREFIX` like every gateway key; ids cannot hold `:` or braces.
 */
const viewKeys = {
  /** Hash participantId → its view (JSON). */
  views: (tenantId: string, roomId: string) => `gw:view:{${tenantId}:${roomId}}:views`,
  /** List of participant ids, most recent active speaker first, each once. */
  speakers: (tenantId: string, roomId: string) => `gw:view:{${tenantId}:${roomId}}:speakers`,
  /** Whose audio the room's consumers were last set to let through (JSON: `"all"` or ids). */
  audible: (tenantId: string, roomId: string) => `gw:view:{${tenantId}:${roomId}}:audible`,
  /** Hash producerId → the layer its publisher was last told (dynacast: a number or `none`). */
  layers: (tenantId: string, roomId: string) => `gw:view:{${tenantId}:${roomId}}:layers`,
};

/** How a producer's wanted layer is kept: its number, or this for none. */
const NO_LAYER = 'none';

const StoredAudible = z.union([z.literal('all'), z.array(ParticipantId).max(MAX_LAST_N)]);

/** Moves a speaker to the front; answers the list as it was before. */
const PUSH_SPEAKER = `
local before = redis.call('LRANGE', KEYS[1], 0, -1)
redis.call('LREM', KEYS[1], 0, ARGV[1])
redis.call('LPUSH', KEYS[1], ARGV[1])
redis.call('LTRIM', KEYS[1], 0, tonumber(ARGV[2]) - 1)
redis.call('PEXPIRE', KEYS[1], ARGV[3])
return before`;

/**
 * What the gateway keeps of views, in Redis (any instance may apply a view change, or a speaker
 * change that concerns sockets held by another): each participant's view, and the room's
 * recent active speakers, as many as the largest last-N.
 */
export class ViewStore {
  constructor(
    private readonly redis: RedisClient,
    private readonly log: StoredDocumentLog = nestWarnings('views'),
  ) {}

  async view(tenantId: string, roomId: string, participantId: string) {
    const key = viewKeys.views(tenantId, roomId);
    const raw = await this.redis.hget(key, participantId);
    return raw === null ? undefined : readStoredJson(ClientView, raw, key, this.log);
  }

  /** Every view of the room, by participant. */
  async views(tenantId: string, roomId: string): Promise<Map<string, ClientView>> {
    const key = viewKeys.views(tenantId, roomId);
    const all = await this.redis.hgetall(key);
    const views = new Map<string, ClientView>();
    for (const [participantId, raw] of Object.entries(all)) {
      const view = readStoredJson(ClientView, raw, key, this.log);
      if (view) views.set(participantId, view);
    }
    return views;
  }

  async setView(
    tenantId: string,
    roomId: string,
    participantId: string,
    view: ClientView,
  ): Promise<void> {
    const key = viewKeys.views(tenantId, roomId);
    await this.redis
      .multi()
      .hset(key, participantId, JSON.stringify(view))
      .pexpire(key, ROOM_VIEW_TTL_MS)
      .exec();
  }

  /**
   * Drops what the room keeps of participants who left: their views (kept until then: a resumed
   * session has its own) and their places among the recent speakers (else the room's last-N
   * list fills with people who are gone and pushes out those still here).
   */
  async forget(tenantId: string, roomId: string, participantIds: readonly string[]): Promise<void> {
    if (participantIds.length === 0) return;
    const tx = this.redis.multi().hdel(viewKeys.views(tenantId, roomId), ...participantIds);
    for (const id of participantIds) tx.lrem(viewKeys.speakers(tenantId, roomId), 0, id);
    await tx.exec();
  }

  /** The room's active speakers, most recent first. */
  speakers(tenantId: string, roomId: string): Promise<string[]> {
    return this.redis.lrange(viewKeys.speakers(tenantId, roomId), 0, -1);
  }

  /**
   * Records whose audio the room hears from now on; answers whose it heard until now (`'all'`
   * when nothing was recorded: consumers flow as the nodes make them).
   */
  async swapAudible(tenantId: string, roomId: string, audible: Audible): Promise<Audible> {
    const key = viewKeys.audible(tenantId, roomId);
    const raw = await this.redis.set(
      key,
      JSON.stringify(audible === 'all' ? 'all' : [...audible]),
      'PX',
      ROOM_VIEW_TTL_MS,
      'GET',
    );
    const was = raw === null ? undefined : readStoredJson(StoredAudible, raw, key, this.log);
    return was === undefined || was === 'all' ? 'all' : new Set(was);
  }

  /**
   * Records the layers the room's publishers are told of their video producers from now on
   * (dynacast); answers what they were told until now (a producer not in it: nothing yet).
   */
  async swapLayers(
    tenantId: string,
    roomId: string,
    layers: ReadonlyMap<string, WantedLayer>,
  ): Promise<Map<string, WantedLayer>> {
    const key = viewKeys.layers(tenantId, roomId);
    const tx = this.redis.multi().hgetall(key).del(key);
    if (layers.size > 0) {
      tx.hset(
        key,
        Object.fromEntries([...layers].map(([id, layer]) => [id, String(layer ?? NO_LAYER)])),
      ).pexpire(key, ROOM_VIEW_TTL_MS);
    }
    const [[error, was] = [null, {}]] = (await tx.exec()) ?? [];
    if (error) throw error;
    const previous = new Map<string, WantedLayer>();
    for (const [id, raw] of Object.entries(was as Record<string, string>)) {
      const layer = raw === NO_LAYER ? null : Number(raw);
      if (layer === null || Number.isInteger(layer)) previous.set(id, layer);
    }
    return previous;
  }

  /** What the publishers of the room were last told of their producers (dynacast). */
  async layers(tenantId: string, roomId: string): Promise<Map<string, WantedLayer>> {
    const all = await this.redis.hgetall(viewKeys.layers(tenantId, roomId));
    return new Map(
      Object.entries(all).map(([id, raw]) => [id, raw === NO_LAYER ? null : Number(raw)]),
    );
  }

  /** Makes `participantId` the most recent speaker; answers the speakers before and after. */
  async pushSpeaker(
    tenantId: string,
    roomId: string,
    participantId: string,
  ): Promise<{ before: string[]; after: string[] }> {
    const before = (await this.redis.eval(
      PUSH_SPEAKER,
      1,
      viewKeys.speakers(tenantId, roomId),
      participantId,
      String(MAX_LAST_N),
      String(ROOM_VIEW_TTL_MS),
    )) as string[];
    const after = [participantId, ...before.filter((id) => id !== participantId)].slice(
      0,
      MAX_LAST_N,
    );
    return { before, after };
  }
}
