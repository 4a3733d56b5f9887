import type { ProducerInfo } from '@cascade/contracts';
import type { Redis } from 'ioredis';

import { keys } from './keys';

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
  constructor(private readonly redis: Redis) {}

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
    const raw = await this.redis.hget(keys.producers(tenantId, roomId), producerId);
    return raw === null ? undefined : (JSON.parse(raw) as ProducerInfo);
  }

  async producers(tenantId: string, roomId: string): Promise<ProducerInfo[]> {
    const values = await this.redis.hvals(keys.producers(tenantId, roomId));
    return values.map((v) => JSON.parse(v) as ProducerInfo);
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
      if (deleted === 1 && raw !== null) removed.push(JSON.parse(raw) as ProducerInfo);
    }
    return removed;
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
