import calculateSlot from 'cluster-key-slot';
import type { RedisClient } from '@cascade/server-kit';
import {
  type RecordedStep,
  recordingRedis,
  scriptKeyProblems,
  stepsAcrossSlots,
} from '@cascade/testing';

import { RevocationList } from '../auth/revocation-list';
import { RedisChatLedger } from '../chat/chat-ledger';
import { UserConnectionSlots } from '../user-connections/user-connection-slots';
import { ViewStore } from '../view/view-store';
import { keys } from './keys';
import { RoomMedia } from './room-media';
import { type NewSession, SessionStore, type StoredDocumentLog } from './session-store';

/**
 * Redis Cluster runs a script, or a MULTI, only when all its keys hash to one slot, and routes
 * it by the keys it is given: a key a script builds from its arguments may live on another shard.
 * ioredis sends a pipeline to one node, so its keys must share a slot too. Every script,
 * transaction and pipeline of the gateway's stores is recorded here (by @cascade/testing's
 * stand-in for ioredis, which answers every read plausibly) and its keys' slots computed as the
 * cluster computes them.
 * (services/gateway/test/redis-cluster.int.test.ts runs the same stores on a real cluster.)
 */
const PREFIX = 'cascade:'; // REDIS_KEY_PREFIX: ioredis puts it in front of every key

const quiet: StoredDocumentLog = { warn: () => undefined };
const ref = { tenantId: 'acme', roomId: 'standup', participantId: 'p_1' };
const session: NewSession = {
  ...ref,
  userId: 'u_1',
  displayName: 'Alice',
  grants: { room: 'standup', join: true, publish: true, subscribe: true, admin: false },
  joinedAt: 1_700_000_000_000,
  nodeId: 'n1',
  workerIndex: 0,
  rtpCapabilities: { codecs: [], headerExtensions: [] },
  resumeHash: 'hash-1',
  socketId: 'sock-1',
};

/** Every atomic step the gateway takes in Redis, with the keys it names. */
async function everyAtomicStep(): Promise<RecordedStep[]> {
  const { redis, steps } = recordingRedis<RedisClient>({
    prefix: PREFIX,
    reads: {
      hmget: ['hash-1', 'gw-old'],
      zrangebyscore: ['gw-dead'],
      zrem: 1,
      smembers: ['acme:standup:p_1'],
    },
    // The speakers script answers the list before; the others a count or a flag.
    evalAnswer: (script) => (script.includes("'LRANGE'") ? [] : 1),
  });
  const store = new SessionStore(redis, 'gw-1', quiet);
  const media = new RoomMedia(redis, quiet);
  const slots = new UserConnectionSlots(redis, { max: 3, leaseMs: 60_000 });
  await store.create(session);
  await store.claimForResume(ref, 'sock-2');
  await store.markDisconnected(ref, 'sock-2', 1_700_000_015_000);
  await store.rotateResume(ref, 'hash-2', 'hash-1', 5_000);
  await store.replacePlacement(ref, {
    nodeId: 'n2',
    workerIndex: 1,
    rtpCapabilities: { codecs: [], headerExtensions: [] },
  });
  await store.record(ref, 'producer', 'pr1');
  await store.adoptOrphans(1_700_000_100_000, 30_000, 15_000);
  await store.reclaim(ref, 'sock-3');
  await store.remove(ref);
  await store.deregister();
  await media.addProducer('acme', 'standup', {
    producerId: 'pr1',
    participantId: 'p_1',
    kind: 'audio',
    source: 'microphone',
    paused: false,
  } as Parameters<RoomMedia['addProducer']>[2]);
  await media.setPaused('acme', 'standup', 'pr1', true);
  await media.removeProducers('acme', 'standup', ['pr1']);
  await slots.acquire({ tenantId: 'acme', userId: 'u_1' }, 'sock-1');
  await slots.acquire({ tenantId: 'acme', userId: 'u_1' }, 'sock-2');
  await slots.acquire({ tenantId: 'beta', userId: 'u_2' }, 'sock-3');
  await slots.renew();
  const views = new ViewStore(redis, quiet);
  await views.setView('acme', 'standup', 'p_1', { visible: [], lastN: 4 });
  // The stand-in's answers are not the scripts' own: the steps are recorded all the same.
  await views.pushSpeaker('acme', 'standup', 'p_1').catch(() => undefined);
  await views.swapAudible('acme', 'standup', new Set(['p_1'])).catch(() => undefined);
  await views.speakersAt('acme', 'standup').catch(() => undefined);
  await views.forget('acme', 'standup', ['p_1']).catch(() => undefined);
  await new RevocationList(redis).record({
    type: 'user',
    tenantId: 'acme',
    userId: 'u_1',
    revokedAt: 1_700_000_000_000,
  });
  const ledger = new RedisChatLedger(redis, { windowMs: 60_000 });
  // The stand-in answers 1, not the ledger's triple: the step is recorded all the same.
  await ledger.begin('acme:standup:u_1:m_1').catch(() => undefined);
  await ledger.delivered('acme:standup:u_1:m_1', { at: 1_700_000_000_000, textHash: 'h' });
  await ledger.settle('acme:standup:u_1:m_2', 'failed');
  return steps;
}

describe('the gateway on Redis Cluster', () => {
  let steps: RecordedStep[];
  beforeAll(async () => {
    steps = await everyAtomicStep();
  });

  it('records every script and transaction of the stores', () => {
    expect(steps.filter((s) => s.script !== undefined)).toHaveLength(19);
    expect(steps.filter((s) => s.what.startsWith('MULTI'))).toHaveLength(6);
    // The slots' renewal: one pipeline per user (two users' keys are in two slots).
    expect(steps.filter((s) => s.what.startsWith('PIPELINE'))).toHaveLength(2);
  });

  it('keeps the keys of each script and transaction in one hash slot', () => {
    expect(stepsAcrossSlots(steps)).toEqual([]);
  });

  it('puts every key the session scripts share behind one hash tag', () => {
    const tagged = [
      keys.session(ref),
      keys.roster('acme', 'standup'),
      keys.producers('acme', 'standup'),
      keys.speaker('acme', 'standup'),
      keys.resume('hash-1'),
      keys.expiring,
      keys.instances,
      keys.instanceSessions('gw-1'),
    ];
    expect(new Set(tagged.map((k) => calculateSlot(PREFIX + k))).size).toBe(1);
  });

  it('gives every script its keys in KEYS, never building one from ARGV', () => {
    const problems = steps
      .map((step) => ({ step: step.what, problems: scriptKeyProblems(step) }))
      .filter((s) => s.problems.length > 0);
    expect(problems).toEqual([]);
  });
});
