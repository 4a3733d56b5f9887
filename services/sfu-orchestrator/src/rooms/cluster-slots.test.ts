import type { RedisClient } from '@cascade/server-kit';
import {
  type RecordedStep,
  recordingRedis,
  scriptKeyProblems,
  stepsAcrossSlots,
} from '@cascade/testing';

import { RoomLeases } from './room-leases';
import { type RoomState, emptyRoom } from './room-state';
import { RoomStore } from './room-store';

/**
 * Redis Cluster runs a script, a MULTI or a pipeline only when all its keys hash to one slot.
 * Every such step of the orchestrator's room store and leases is recorded here (by @cascade/testing's
 * stand-in for ioredis) with the keys it names, and their slots computed as the cluster computes
 * them.
 * (services/sfu-orchestrator/test/redis-cluster.int.test.ts runs them on a real cluster.)
 */
const PREFIX = 'cascade:'; // REDIS_KEY_PREFIX: ioredis puts it in front of every key

/** A room on n1 and n2 (a pipe between them). */
function spanning(): RoomState {
  return {
    ...emptyRoom('acme', 'standup'),
    participants: {
      alice: { participantId: 'alice', nodeId: 'n1', workerIndex: 0, joinedAt: 1 },
      bob: { participantId: 'bob', nodeId: 'n2', workerIndex: 0, joinedAt: 2 },
    },
    pipes: { 'n1~n2': { a: 'n1', b: 'n2' } },
  };
}

async function everyStep(): Promise<RecordedStep[]> {
  const { redis, steps } = recordingRedis<RedisClient>({
    prefix: PREFIX,
    reads: { smembers: ['n1', 'n2'], scan: ['0', []] },
    evalAnswer: () => 'orch-1', // the leases' scripts answer the holder
  });
  const store = new RoomStore(redis, { warn: () => undefined });
  await store.save(spanning(), new Set(), false); // the room arrives on n1 and n2
  await store.save(
    { ...spanning(), participants: { alice: spanning().participants['alice']! }, pipes: {} },
    new Set(['n1', 'n2']),
    false,
  ); // Bob leaves: n2 is forgotten
  await store.save(emptyRoom('acme', 'standup'), new Set(['n1']), true); // the room ends
  await store.nodesWithRooms();
  const leases = new RoomLeases(redis, 'orch-1', 10_000);
  await leases.claim('acme/standup');
  await leases.takeOver('acme/standup', 'orch-2');
  await leases.renew();
  await leases.release('acme/standup');
  return steps;
}

describe('the orchestrator on Redis Cluster', () => {
  let steps: RecordedStep[];
  beforeAll(async () => {
    steps = await everyStep();
  });

  it('records every transaction, pipeline and script of the room store and leases', () => {
    expect(steps.filter((s) => s.what.startsWith('MULTI'))).toHaveLength(3);
    expect(steps.filter((s) => s.what.startsWith('PIPELINE'))).toHaveLength(1);
    // A node's "forget once empty" script inside the MULTIs, and the leases' own scripts.
    expect(steps.filter((s) => s.script !== undefined)).toHaveLength(6);
  });

  it('keeps the keys of each transaction, pipeline and script in one hash slot', () => {
    expect(stepsAcrossSlots(steps)).toEqual([]);
  });

  it('gives every script its keys in KEYS, never building one from ARGV', () => {
    const problems = steps
      .map((step) => ({ step: step.what, problems: scriptKeyProblems(step) }))
      .filter((s) => s.problems.length > 0);
    expect(problems).toEqual([]);
  });
});
