import {
  NodeId,
  ParticipantId,
  ParticipantInfo,
  RoomGrants,
  RoomId,
  RtpCapabilities,
  TenantId,
  TransportDirection,
  UserId,
  participantRoleOf,
  toFieldIssues,
} from '@cascade/contracts';
import { Logger } from '@nestjs/common';
import { z } from 'zod';
import type { RedisClient } from '@cascade/server-kit';

import { JoinTokenFacts } from '../auth/join-token-facts';
import type { ParticipantRef } from '../signaling/channels';
import { keys, parseRef, refString } from './keys';

/** Where a participant's media lives, as the orchestrator placed it. */
export interface SessionPlacement {
  nodeId: string;
  workerIndex: number;
  rtpCapabilities: RtpCapabilities;
}

export interface NewSession extends ParticipantRef, SessionPlacement {
  userId: string;
  displayName: string;
  grants: RoomGrants;
  joinedAt: number;
  /** sha256 of the resume token (the token itself is never stored). */
  resumeHash: string;
  /** The socket that holds the session now. */
  socketId: string;
  /** The join token the session lives by (absent: stored by an older gateway). */
  token?: JoinTokenFacts | undefined;
}

export interface StoredSession extends NewSession {
  /** The gateway instance whose socket holds the session (or last held it). */
  instanceId: string;
  state: 'connected' | 'disconnected';
  transports: Array<{ transportId: string; direction: TransportDirection }>;
  producerIds: string[];
  consumers: Array<{ consumerId: string; producerId: string }>;
}

export type ResumeClaim =
  | { outcome: 'taken'; session: StoredSession; previousSocketId: string | undefined }
  | { outcome: 'expired' | 'gone' };

/** The media objects a session records, by field prefix in its hash. */
export type MediaKindOfRecord = 'transport' | 'producer' | 'consumer';
const FIELD_PREFIX: Record<MediaKindOfRecord, string> = {
  transport: 't:',
  producer: 'p:',
  consumer: 'c:',
};

// Each script is atomic: the races they settle are named beside them.

/** A drop is recorded only by the socket that holds the session (not one it replaced). */
const MARK_DISCONNECTED = `
if redis.call('HGET', KEYS[1], 'socketId') ~= ARGV[1] then return 0 end
redis.call('HSET', KEYS[1], 'state', 'disconnected', 'socketId', '')
redis.call('ZADD', KEYS[2], ARGV[2], ARGV[3])
redis.call('SREM', KEYS[3], ARGV[3])
return 1`;

/**
 * A resume takes a disconnected session out of the expiry set, or a connected one from its
 * socket; a session the sweeper already claimed (out of the set, still disconnected) is expired.
 */
const CLAIM_FOR_RESUME = `
if redis.call('EXISTS', KEYS[1]) == 0 then return {'gone'} end
local removed = redis.call('ZREM', KEYS[2], ARGV[1])
local state = redis.call('HGET', KEYS[1], 'state')
if state ~= 'connected' and removed == 0 then return {'expired'} end
local previous = redis.call('HGET', KEYS[1], 'socketId') or ''
redis.call('HSET', KEYS[1], 'state', 'connected', 'socketId', ARGV[2], 'instanceId', ARGV[3])
redis.call('SADD', KEYS[3], ARGV[1])
return {'taken', previous}`;

/**
 * Ends a session exactly once: whoever deletes the hash gets its fields; everyone else nil. The
 * resume key and instance set it also cleans (KEYS[6], KEYS[7]) are named by the caller from the
 * session's `resumeHash` and `instanceId` as it read them (every key of a script is passed in
 * KEYS, never built inside it); when either changed since, nothing is done and 0 tells the caller
 * to read again.
 */
const REMOVE = `
local fields = redis.call('HGETALL', KEYS[1])
if #fields == 0 then return false end
local resumeHash, instanceId = '', ''
for i = 1, #fields, 2 do
  if fields[i] == 'resumeHash' then resumeHash = fields[i + 1] end
  if fields[i] == 'instanceId' then instanceId = fields[i + 1] end
end
if resumeHash ~= ARGV[3] or instanceId ~= ARGV[4] then return 0 end
redis.call('DEL', KEYS[1])
redis.call('HDEL', KEYS[2], ARGV[2])
redis.call('HDEL', KEYS[8], ARGV[2])
redis.call('ZREM', KEYS[3], ARGV[1])
if resumeHash ~= '' then redis.call('DEL', KEYS[6]) end
if instanceId ~= '' then redis.call('SREM', KEYS[7], ARGV[1]) end
if redis.call('HLEN', KEYS[2]) == 0 then redis.call('DEL', KEYS[4], KEYS[5]) end
return fields`;

/** Reads before REMOVE; more than this many changes under its feet is a bug, not a race. */
const REMOVE_ATTEMPTS = 5;

/** Media bookkeeping never recreates a session that ended meanwhile. */
const HSET_IF_EXISTS = `
if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
return 1`;

/** A new placement (after reconnectRequired): the old media objects are forgotten. */
const REPLACE_PLACEMENT = `
if redis.call('EXISTS', KEYS[1]) == 0 then return false end
local producers = {}
for _, field in ipairs(redis.call('HKEYS', KEYS[1])) do
  local kind = string.sub(field, 1, 2)
  if kind == 't:' or kind == 'c:' or kind == 'p:' then
    redis.call('HDEL', KEYS[1], field)
    if kind == 'p:' then table.insert(producers, string.sub(field, 3)) end
  end
end
redis.call('HSET', KEYS[1], 'nodeId', ARGV[1], 'workerIndex', ARGV[2], 'rtpCapabilities', ARGV[3])
return producers`;

/** A new resume token; the old one keeps working for a moment (its answer may have been lost). */
const ROTATE_RESUME = `
if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
redis.call('HSET', KEYS[1], 'resumeHash', ARGV[1])
redis.call('SET', KEYS[2], ARGV[2])
if KEYS[3] ~= KEYS[2] then
  if tonumber(ARGV[3]) > 0 then redis.call('PEXPIRE', KEYS[3], ARGV[3]) else redis.call('DEL', KEYS[3]) end
end
return 1`;

/** The sessions a dead instance held while connected start their grace period now. */
const ADOPT_ORPHAN = `
if redis.call('HGET', KEYS[1], 'instanceId') ~= ARGV[1] then return 0 end
if redis.call('HGET', KEYS[1], 'state') ~= 'connected' then return 0 end
redis.call('HSET', KEYS[1], 'state', 'disconnected', 'socketId', '')
redis.call('ZADD', KEYS[2], ARGV[2], ARGV[3])
return 1`;

/** An instance that was taken for dead takes back the sessions its sockets still hold. */
const RECLAIM = `
if redis.call('HGET', KEYS[1], 'instanceId') ~= ARGV[1] then return 0 end
if redis.call('HGET', KEYS[1], 'state') ~= 'disconnected' then return 0 end
if redis.call('ZREM', KEYS[2], ARGV[3]) == 0 then return 0 end
redis.call('HSET', KEYS[1], 'state', 'connected', 'socketId', ARGV[2])
redis.call('SADD', KEYS[3], ARGV[3])
return 1`;

/** KEYS of {@link REMOVE}, in order. */
function removeKeys(ref: ParticipantRef, resumeHash: string, instanceId: string): string[] {
  return [
    keys.session(ref),
    keys.roster(ref.tenantId, ref.roomId),
    keys.expiring,
    keys.producers(ref.tenantId, ref.roomId),
    keys.speaker(ref.tenantId, ref.roomId),
    keys.resume(resumeHash),
    keys.instanceSessions(instanceId),
    keys.viewers(ref.tenantId, ref.roomId),
  ];
}

/**
 * Sessions in Redis: who is in which room, on which node, with which transports, producers and
 * consumers, which socket holds each session, and which dropped sessions wait for a resume. Any
 * gateway instance can take any session over; nothing here lives in one process's memory.
 */
export class SessionStore {
  constructor(
    private readonly redis: RedisClient,
    readonly instanceId: string,
    private readonly log: StoredDocumentLog = nestWarnings('session-store'),
  ) {}

  async create(session: NewSession): Promise<void> {
    const ref = refString(session);
    const info: ParticipantInfo = {
      participantId: session.participantId,
      userId: session.userId,
      displayName: session.displayName,
      joinedAt: session.joinedAt,
    };
    await this.redis
      .multi()
      .hset(keys.session(session), {
        tenantId: session.tenantId,
        roomId: session.roomId,
        participantId: session.participantId,
        userId: session.userId,
        displayName: session.displayName,
        grants: JSON.stringify(session.grants),
        joinedAt: String(session.joinedAt),
        nodeId: session.nodeId,
        workerIndex: String(session.workerIndex),
        rtpCapabilities: JSON.stringify(session.rtpCapabilities),
        resumeHash: session.resumeHash,
        socketId: session.socketId,
        instanceId: this.instanceId,
        state: 'connected',
        ...(session.token ? { token: JSON.stringify(session.token) } : {}),
      })
      .hset(
        // A viewer is counted, not listed: it is in the room's viewers, not in its roster.
        participantRoleOf(session.grants) === 'viewer'
          ? keys.viewers(session.tenantId, session.roomId)
          : keys.roster(session.tenantId, session.roomId),
        session.participantId,
        JSON.stringify(info),
      )
      .set(keys.resume(session.resumeHash), ref)
      .sadd(keys.instanceSessions(this.instanceId), ref)
      .exec()
      .then(failOnError);
  }

  async get(ref: ParticipantRef): Promise<StoredSession | undefined> {
    const key = keys.session(ref);
    return parseSession(await this.redis.hgetall(key), key, this.log);
  }

  /** The room's speakers (its tiles: viewers are not listed), in the order they joined. */
  async roster(tenantId: string, roomId: string): Promise<ParticipantInfo[]> {
    return this.#participants(keys.roster(tenantId, roomId));
  }

  /** The participant ids of the room's viewers. */
  async viewerIds(tenantId: string, roomId: string): Promise<string[]> {
    return this.redis.hkeys(keys.viewers(tenantId, roomId));
  }

  /** How many viewers the room has. */
  async viewerCount(tenantId: string, roomId: string): Promise<number> {
    return this.redis.hlen(keys.viewers(tenantId, roomId));
  }

  /**
   * Everyone in the room, speakers and viewers (for putting participants out of it: a ban or a
   * closed room concerns viewers too).
   */
  async everyone(tenantId: string, roomId: string): Promise<ParticipantInfo[]> {
    const [speakers, viewers] = await Promise.all([
      this.roster(tenantId, roomId),
      this.#participants(keys.viewers(tenantId, roomId)),
    ]);
    return [...speakers, ...viewers];
  }

  async #participants(key: string): Promise<ParticipantInfo[]> {
    const values = await this.redis.hvals(key);
    return values
      .flatMap((v) => readStoredJson(ParticipantInfo, v, key, this.log) ?? [])
      .sort((a, b) => a.joinedAt - b.joinedAt || a.participantId.localeCompare(b.participantId));
  }

  async resolveResume(resumeHash: string): Promise<ParticipantRef | undefined> {
    const ref = await this.redis.get(keys.resume(resumeHash));
    return ref === null ? undefined : parseRef(ref);
  }

  /** Binds the session to `socketId` on this instance, unless its grace period is over. */
  async claimForResume(ref: ParticipantRef, socketId: string): Promise<ResumeClaim> {
    const answer = (await this.redis.eval(
      CLAIM_FOR_RESUME,
      3,
      keys.session(ref),
      keys.expiring,
      keys.instanceSessions(this.instanceId),
      refString(ref),
      socketId,
      this.instanceId,
    )) as [string, string?];
    if (answer[0] !== 'taken') return { outcome: answer[0] === 'gone' ? 'gone' : 'expired' };
    const session = await this.get(ref);
    if (!session) return { outcome: 'gone' };
    return { outcome: 'taken', session, previousSocketId: answer[1] || undefined };
  }

  /** The socket dropped: the session waits for a resume until `expiresAt` (ms). */
  async markDisconnected(
    ref: ParticipantRef,
    socketId: string,
    expiresAt: number,
  ): Promise<boolean> {
    const changed = await this.redis.eval(
      MARK_DISCONNECTED,
      3,
      keys.session(ref),
      keys.expiring,
      keys.instanceSessions(this.instanceId),
      socketId,
      String(expiresAt),
      refString(ref),
    );
    return changed === 1;
  }

  async rotateResume(
    ref: ParticipantRef,
    resumeHash: string,
    previousHash: string,
    overlapMs: number,
  ): Promise<boolean> {
    const done = await this.redis.eval(
      ROTATE_RESUME,
      3,
      keys.session(ref),
      keys.resume(resumeHash),
      keys.resume(previousHash),
      resumeHash,
      refString(ref),
      String(overlapMs),
    );
    return done === 1;
  }

  /** Ends the session; resolves with it for the one caller that ended it, undefined for others. */
  async remove(ref: ParticipantRef): Promise<StoredSession | undefined> {
    const key = keys.session(ref);
    for (let attempt = 0; attempt < REMOVE_ATTEMPTS; attempt++) {
      const [resumeHash, instanceId] = await this.redis.hmget(key, 'resumeHash', 'instanceId');
      const fields = (await this.redis.eval(
        REMOVE,
        8,
        ...removeKeys(ref, resumeHash ?? '', instanceId ?? ''),
        refString(ref),
        ref.participantId,
        resumeHash ?? '',
        instanceId ?? '',
      )) as string[] | 0 | null;
      if (fields === 0) continue; // resumed or rotated between the read and the script
      if (!fields) return undefined;
      const hash: Record<string, string> = {};
      for (let i = 0; i + 1 < fields.length; i += 2) hash[fields[i]!] = fields[i + 1]!;
      return parseSession(hash, key, this.log);
    }
    throw new Error(`session ${refString(ref)} kept changing while being removed`);
  }

  /** A new placement; resolves with the producer ids the session had (now forgotten). */
  async replacePlacement(
    ref: ParticipantRef,
    placement: SessionPlacement,
  ): Promise<string[] | undefined> {
    const producers = (await this.redis.eval(
      REPLACE_PLACEMENT,
      1,
      keys.session(ref),
      placement.nodeId,
      String(placement.workerIndex),
      JSON.stringify(placement.rtpCapabilities),
    )) as string[] | null;
    return producers ?? undefined;
  }

  /** Records a transport (value: direction), producer or consumer (value: its producer). */
  async record(
    ref: ParticipantRef,
    kind: MediaKindOfRecord,
    id: string,
    value = '1',
  ): Promise<boolean> {
    const done = await this.redis.eval(
      HSET_IF_EXISTS,
      1,
      keys.session(ref),
      FIELD_PREFIX[kind] + id,
      value,
    );
    return done === 1;
  }

  /** The session now lives by a refreshed join token; false when it ended meanwhile. */
  async setToken(ref: ParticipantRef, token: JoinTokenFacts): Promise<boolean> {
    const done = await this.redis.eval(
      HSET_IF_EXISTS,
      1,
      keys.session(ref),
      'token',
      JSON.stringify(token),
    );
    return done === 1;
  }

  /** Forgets a media object; true for the one caller that removed it. */
  async forget(ref: ParticipantRef, kind: MediaKindOfRecord, id: string): Promise<boolean> {
    return (await this.redis.hdel(keys.session(ref), FIELD_PREFIX[kind] + id)) === 1;
  }

  /**
   * Disconnected sessions whose grace period is over, each claimed by exactly one caller across
   * every instance (ZREM answering 1 wins).
   */
  async claimExpired(now: number, limit = 100): Promise<ParticipantRef[]> {
    const due = await this.redis.zrangebyscore(keys.expiring, '-inf', now, 'LIMIT', 0, limit);
    const claimed: ParticipantRef[] = [];
    for (const member of due) {
      if ((await this.redis.zrem(keys.expiring, member)) !== 1) continue;
      const ref = parseRef(member);
      if (ref) claimed.push(ref);
    }
    return claimed;
  }

  /** This instance is alive; true when it was not registered (first beat, or taken for dead). */
  async heartbeat(now: number): Promise<boolean> {
    return (await this.redis.zadd(keys.instances, now, this.instanceId)) === 1;
  }

  /**
   * Instances silent for `deadAfterMs` are dead: the sessions their sockets held start their
   * grace period, as if every socket had dropped. Resolves with how many were adopted.
   */
  async adoptOrphans(now: number, deadAfterMs: number, graceMs: number): Promise<number> {
    const dead = await this.redis.zrangebyscore(keys.instances, '-inf', now - deadAfterMs);
    let adopted = 0;
    for (const instanceId of dead) {
      if (instanceId === this.instanceId) continue;
      if ((await this.redis.zrem(keys.instances, instanceId)) !== 1) continue;
      const members = await this.redis.smembers(keys.instanceSessions(instanceId));
      for (const member of members) {
        const ref = parseRef(member);
        if (!ref) continue;
        const done = await this.redis.eval(
          ADOPT_ORPHAN,
          2,
          keys.session(ref),
          keys.expiring,
          instanceId,
          String(now + graceMs),
          member,
        );
        if (done === 1) adopted++;
      }
      await this.redis.del(keys.instanceSessions(instanceId));
    }
    return adopted;
  }

  /** After this instance was taken for dead: take back a session one of its sockets holds. */
  async reclaim(ref: ParticipantRef, socketId: string): Promise<boolean> {
    const done = await this.redis.eval(
      RECLAIM,
      3,
      keys.session(ref),
      keys.expiring,
      keys.instanceSessions(this.instanceId),
      this.instanceId,
      socketId,
      refString(ref),
    );
    return done === 1;
  }

  /** At shutdown, after every socket's drop was recorded. */
  async deregister(): Promise<void> {
    await this.redis
      .multi()
      .zrem(keys.instances, this.instanceId)
      .del(keys.instanceSessions(this.instanceId))
      .exec()
      .then(failOnError);
  }
}

function failOnError(results: Array<[Error | null, unknown]> | null): void {
  const failed = results?.find(([error]) => error !== null);
  if (failed) throw failed[0];
  if (results === null) throw new Error('Redis transaction aborted');
}

/** Where the stores say that a document read back from Redis was unusable. */
export interface StoredDocumentLog {
  warn(fields: Record<string, unknown>, msg: string): void;
}

/** Warnings through Nest's logger (pino in the service), under `context`. */
export function nestWarnings(context: string): StoredDocumentLog {
  const logger = new Logger(context);
  return { warn: (fields, msg) => logger.warn({ ...fields, msg }) };
}

/**
 * A JSON value read back from Redis, parsed with its contracts schema. Anything else (not JSON,
 * or not the shape) is treated as missing, and logged with its key and what was wrong: another
 * version, a bug or a hand edit must not crash the reader or travel further as a valid value.
 */
export function readStoredJson<T>(
  schema: z.ZodType<T>,
  raw: string,
  key: string,
  log: StoredDocumentLog,
): T | undefined {
  return readStored(StoredJson.pipe(schema), raw, key, log);
}

function readStored<T>(
  schema: z.ZodType<T>,
  value: unknown,
  key: string,
  log: StoredDocumentLog,
): T | undefined {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  log.warn(
    { key, issues: toFieldIssues(result.error) },
    'a document read back from Redis is invalid; treated as missing',
  );
  return undefined;
}

/** A string field holding JSON, parsed (or an issue when it is not JSON). */
const StoredJson = z.string().transform((text, ctx): unknown => {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    ctx.addIssue({ code: 'custom', message: 'is not JSON' });
    return z.NEVER;
  }
});

const StoredInteger = z
  .string()
  .regex(/^-?\d+$/, 'is not an integer')
  .transform(Number);

/** A session's hash fields other than its media records (`t:`, `p:`, `c:`). */
const SessionFields = z.object({
  tenantId: TenantId,
  roomId: RoomId,
  participantId: ParticipantId,
  userId: UserId,
  displayName: z.string(),
  grants: StoredJson.pipe(RoomGrants),
  joinedAt: StoredInteger,
  nodeId: NodeId,
  workerIndex: StoredInteger.pipe(z.number().nonnegative()),
  rtpCapabilities: StoredJson.pipe(RtpCapabilities),
  resumeHash: z.string().min(1),
  socketId: z.string().default(''),
  instanceId: z.string().default(''),
  state: z.enum(['connected', 'disconnected']),
  token: StoredJson.pipe(JoinTokenFacts).optional(),
});

function parseSession(
  hash: Record<string, string>,
  key: string,
  log: StoredDocumentLog,
): StoredSession | undefined {
  if (Object.keys(hash).length === 0) return undefined;
  const fields = readStored(SessionFields, hash, key, log);
  if (!fields) return undefined;
  const transports: StoredSession['transports'] = [];
  const producerIds: string[] = [];
  const consumers: StoredSession['consumers'] = [];
  for (const [field, value] of Object.entries(hash)) {
    const id = field.slice(2);
    if (field.startsWith(FIELD_PREFIX.transport)) {
      const direction = TransportDirection.safeParse(value);
      if (direction.success) transports.push({ transportId: id, direction: direction.data });
      else log.warn({ key, field }, 'a transport record has no direction; left out');
    } else if (field.startsWith(FIELD_PREFIX.producer)) producerIds.push(id);
    else if (field.startsWith(FIELD_PREFIX.consumer))
      consumers.push({ consumerId: id, producerId: value });
  }
  return { ...fields, transports, producerIds, consumers };
}
