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
  /**
   * Counter of the room's changes that decide what flows (a speaker pushed, a view set, someone
   * forgotten, whose audio is heard): each instance that applied a change computed from what it
   * read compares it afterwards, to learn whether another instance changed the room meanwhile.
   */
  epoch: (tenantId: string, roomId: string) => `gw:view:{${tenantId}:${roomId}}:epoch`,
};

/** How a producer's wanted layer is kept: its number, or this for none. */
const NO_LAYER = 'none';

const StoredAudible = z.union([z.literal('all'), z.array(ParticipantId).max(MAX_LAST_N)]);

/**
 * Moves a speaker to the front and counts a change of the room; answers the list as it was
 * before and the room's epoch after.
 */
const PUSH_SPEAKER = `
local before = redis.call('LRANGE', KEYS[1], 0, -1)
redis.call('LREM', KEYS[1], 0, ARGV[1])
redis.call('LPUSH', KEYS[1], ARGV[1])
redis.call('LTRIM', KEYS[1], 0, tonumber(ARGV[2]) - 1)
redis.call('PEXPIRE', KEYS[1], ARGV[3])
local epoch = redis.call('INCR', KEYS[2])
redis.call('PEXPIRE', KEYS[2], ARGV[3])
return {before, epoch}`;

/**
 * Records whose audio the room hears; counts a change of the room when it differs from what was
 * recorded. Answers what was recorded ('' for nothing), the room's epoch after, and 1 when it
 * counted a change (else 0).
 */
const SWAP_AUDIBLE = `
local was = redis.call('GET', KEYS[1])
redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
local changed = 0
if was ~= ARGV[1] then
  redis.call('INCR', KEYS[2])
  redis.call('PEXPIRE', KEYS[2], ARGV[2])
  changed = 1
end
local epoch = tonumber(redis.call('GET', KEYS[2]) or '0')
if not was then was = '' end
return {was, epoch, changed}`;

/** The room's epoch from its stored counter (none yet: 0). */
function epochOf(raw: unknown): number {
  const n = Number(raw ?? 0);
  return Number.isSafeInteger(n) && n >= 0 ? n : 0;
}

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

  /** Stores a participant's view; answers the room's epoch after (a change of the room). */
  async setView(
    tenantId: string,
    roomId: string,
    participantId: string,
    view: ClientView,
  ): Promise<number> {
    const key = viewKeys.views(tenantId, roomId);
    const epoch = viewKeys.epoch(tenantId, roomId);
    const results = await this.redis
      .multi()
      .hset(key, participantId, JSON.stringify(view))
      .pexpire(key, ROOM_VIEW_TTL_MS)
      .incr(epoch)
      .pexpire(epoch, ROOM_VIEW_TTL_MS)
      .exec();
    return epochOf(resultAt(results, 2));
  }

  /** The room's epoch: how many changes deciding what flows it has seen (see `viewKeys.epoch`). */
  async epoch(tenantId: string, roomId: string): Promise<number> {
    return epochOf(await this.redis.get(viewKeys.epoch(tenantId, roomId)));
  }

  /** The room's active speakers, most recent first, and its epoch, read at one instant. */
  async speakersAt(
    tenantId: string,
    roomId: string,
  ): Promise<{ speakers: string[]; epoch: number }> {
    const results = await this.redis
      .multi()
      .lrange(viewKeys.speakers(tenantId, roomId), 0, -1)
      .get(viewKeys.epoch(tenantId, roomId))
      .exec();
    return { speakers: resultAt(results, 0) as string[], epoch: epochOf(resultAt(results, 1)) };
  }

  /**
   * Drops what the room keeps of participants who left: their views (kept until then: a resumed
   * session has its own) and their places among the recent speakers (else the room's last-N
   * list fills with people who are gone and pushes out those still here). Answers the room's
   * epoch after.
   */
  async forget(
    tenantId: string,
    roomId: string,
    participantIds: readonly string[],
  ): Promise<number> {
    if (participantIds.length === 0) return this.epoch(tenantId, roomId);
    const epoch = viewKeys.epoch(tenantId, roomId);
    const tx = this.redis.multi().hdel(viewKeys.views(tenantId, roomId), ...participantIds);
    for (const id of participantIds) tx.lrem(viewKeys.speakers(tenantId, roomId), 0, id);
    const results = await tx.incr(epoch).pexpire(epoch, ROOM_VIEW_TTL_MS).exec();
    return epochOf(resultAt(results, 1 + participantIds.length));
  }

  /** The room's active speakers, most recent first. */
  speakers(tenantId: string, roomId: string): Promise<string[]> {
    return this.redis.lrange(viewKeys.speakers(tenantId, roomId), 0, -1);
  }

  /**
   * Records whose audio the room hears from now on; answers whose it heard until now (`'all'`
   * when nothing was recorded: consumers flow as the nodes make them), the room's epoch after,
   * and whether that counted a change (the record differs).
   */
  async swapAudible(
    tenantId: string,
    roomId: string,
    audible: Audible,
  ): Promise<{ was: Audible; epoch: number; changed: boolean }> {
    const key = viewKeys.audible(tenantId, roomId);
    const [raw, epoch, changed] = (await this.redis.eval(
      SWAP_AUDIBLE,
      2,
      key,
      viewKeys.epoch(tenantId, roomId),
      JSON.stringify(audible === 'all' ? 'all' : [...audible].sort()),
      String(ROOM_VIEW_TTL_MS),
    )) as [string, number, number];
    const was = raw === '' ? undefined : readStoredJson(StoredAudible, raw, key, this.log);
    return {
      was: was === undefined || was === 'all' ? 'all' : new Set(was),
      epoch: epochOf(epoch),
      changed: changed === 1,
    };
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

  /**
   * Makes `participantId` the most recent speaker; answers the speakers before and after, and the
   * room's epoch after.
   */
  async pushSpeaker(
    tenantId: string,
    roomId: string,
    participantId: string,
  ): Promise<{ before: string[]; after: string[]; epoch: number }> {
    const [before, epoch] = (await this.redis.eval(
      PUSH_SPEAKER,
      2,
      viewKeys.speakers(tenantId, roomId),
      viewKeys.epoch(tenantId, roomId),
      participantId,
      String(MAX_LAST_N),
      String(ROOM_VIEW_TTL_MS),
    )) as [string[], number];
    const after = [participantId, ...before.filter((id) => id !== participantId)].slice(
      0,
      MAX_LAST_N,
    );
    return { before, after, epoch: epochOf(epoch) };
  }
}

/** The reply of a transaction's command `i`; its error thrown. */
function resultAt(results: [Error | null, unknown][] | null, i: number): unknown {
  const [error, value] = results?.[i] ?? [new Error('the transaction was discarded'), undefined];
  if (error) throw error;
  return value;
}
