import { ProducerInfo } from '@cascade/contracts';
import type { RedisClient } from '@cascade/server-kit';

import { keys } from './keys';
import { type StoredDocumentLog, nestWarnings, readStoredJson } from './session-store';

/** Adds a producer only while its participant is in the room (a leave may have raced it). */
const ADD_PRODUCER = `
if redis.call('HEXISTS', KEYS[1], ARGV[1]) == 0 then return 0 end
redis.call('HSET', KEYS[2], ARGV[2], ARGV[3])
return 1`;

/** Flips `paused`; answers whether it changed (a repeated pause announces nothing). */
const SET_PAUSED = `
local raw = redis.call('HGET', KEYS[1], ARGV[1])
if not raw then return 0 end
local producer = cjson.decode(raw)
local paused = ARGV[2] == '1'
if producer.paused == paused then return 0 end
producer.paused = paused
redis.call('HSET', KEYS[1], ARGV[1], cjson.encode(producer))
return 1`;

const SPEAKER_TTL_MS = 3_600_000;

/**
 * What the gateway knows of a room's media, in Redis: every producer with its participant, kind,
 * source and paused state (for join answers, consumer info and announcing each change once), and
 * the last active speaker announced.
 */
export class RoomMedia {
  constructor(
    private readonly redis: RedisClient,
    private readonly log: StoredDocumentLog = nestWarnings('room-media'),
  ) {}

  /** False when the participant is no longer in the room. */
  async addProducer(tenantId: string, roomId: string, producer: ProducerInfo): Promise<boolean> {
    const added = await this.redis.eval(
      ADD_PRODUCER,
      2,
      keys.roster(tenantId, roomId),
      keys.producers(tenantId, roomId),
      producer.participantId,
      producer.producerId,
      JSON.stringify(producer),
    );
    return added === 1;
  }

  async producer(
    tenantId: string,
    roomId: string,
    producerId: string,
  ): Promise<ProducerInfo | undefined> {
    const key = keys.producers(tenantId, roomId);
    const raw = await this.redis.hget(key, producerId);
    return raw === null ? undefined : this.#read(raw, key);
  }

  async producers(tenantId: string, roomId: string): Promise<ProducerInfo[]> {
    const key = keys.producers(tenantId, roomId);
    const values = await this.redis.hvals(key);
    return values.flatMap((v) => this.#read(v, key) ?? []);
  }

  /** True when the paused state changed. */
  async setPaused(
    tenantId: string,
    roomId: string,
    producerId: string,
    paused: boolean,
  ): Promise<boolean> {
    const changed = await this.redis.eval(
      SET_PAUSED,
      1,
      keys.producers(tenantId, roomId),
      producerId,
      paused ? '1' : '0',
    );
    return changed === 1;
  }

  /**
   * Removes producers; resolves with the ones this call removed. The gateway's own close and the
   * node's `producer.closed` event both come here, and only the first announces the close.
   */
  async removeProducers(
    tenantId: string,
    roomId: string,
    producerIds: string[],
  ): Promise<ProducerInfo[]> {
    const removed: ProducerInfo[] = [];
    const key = keys.producers(tenantId, roomId);
    for (const producerId of producerIds) {
      const [[, raw], [, deleted]] = (await this.redis
        .multi()
        .hget(key, producerId)
        .hdel(key, producerId)
        .exec()) as [[null, string | null], [null, number]];
      if (deleted !== 1 || raw === null) continue;
      const producer = this.#read(raw, key);
      if (producer) removed.push(producer);
    }
    return removed;
  }

  /** A stored producer, or undefined (logged) when it is not one. */
  #read(raw: string, key: string): ProducerInfo | undefined {
    return readStoredJson(ProducerInfo, raw, key, this.log);
  }

  /** The room's last announced active speaker, if any. */
  async speaker(
    tenantId: string,
    roomId: string,
  ): Promise<{ participantId: string; producerId: string } | undefined> {
    const value = await this.redis.get(keys.speaker(tenantId, roomId));
    const [participantId, producerId, ...rest] = value?.split('/') ?? [];
    return participantId && producerId && rest.length === 0
      ? { participantId, producerId }
      : undefined;
  }

  /** Records the room's active speaker; true when it differs from the last one recorded. */
  async swapSpeaker(tenantId: string, roomId: string, speaker: string): Promise<boolean> {
    const previous = await this.redis.set(
      keys.speaker(tenantId, roomId),
      speaker,
      'PX',
      SPEAKER_TTL_MS,
      'GET',
    );
    return previous !== speaker;
  }
}
