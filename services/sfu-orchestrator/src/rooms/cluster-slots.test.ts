import type { RedisClient } from '@cascade/server-kit';
import calculateSlot from 'cluster-key-slot';

import { RoomLeases } from './room-leases';
import { type RoomState, emptyRoom } from './room-state';
import { RoomStore } from './room-store';

/**
 * Redis Cluster runs a script, a MULTI or a pipeline only when all its keys hash to one slot.
 * Every such step of the orchestrator's room store and leases is recorded here (by a stand-in
 * for ioredis) with the keys it names, and their slots computed as the cluster computes them.
 * (services/sfu-orchestrator/test/redis-cluster.int.test.ts runs them on a real cluster.)
 */
const PREFIX = 'cascade:'; // REDIS_KEY_PREFIX: ioredis puts it in front of every key

interface Step {
  what: string;
  keys: string[];
  script?: string;
}

function recordingRedis(): { redis: RedisClient; steps: Step[] } {
  const steps: Step[] = [];
  const batch = (kind: string) => (): unknown => {
    const step: Step = { what: kind, keys: [] };
    const tx: unknown = new Proxy(
      {},
      {
        get: (_, command: string) =>
          command === 'exec'
            ? () => {
                steps.push(step);
                return Promise.resolve(step.keys.map(() => [null, 1]));
              }
            : (key: string, ...rest: string[]) => {
                step.what += ` ${command.toUpperCase()}`;
                if (command === 'eval') {
                  // eval(script, numberOfKeys, ...keysAndArgs)
                  const count = Number(rest[0]);
                  step.keys.push(...rest.slice(1, 1 + count).map((k) => PREFIX + k));
                  step.script = key;
                } else step.keys.push(PREFIX + key);
                return tx;
              },
      },
    );
    return tx;
  };
  const redis = new Proxy(
    {},
    {
      get: (_, name: string) => {
        if (name === 'options') return { keyPrefix: PREFIX };
        if (name === 'then') return undefined;
        if (name === 'multi') return batch('MULTI');
        if (name === 'pipeline')
          return (commands: Array<[string, string]>) => {
            steps.push({
              what: `PIPELINE ${commands.map(([c]) => c.toUpperCase()).join(' ')}`,
              keys: commands.map(([, key]) => PREFIX + key),
            });
            return { exec: () => Promise.resolve(commands.map(() => [null, 1])) };
          };
        if (name === 'eval')
          return (script: string, count: number, ...args: string[]) => {
            steps.push({
              what: `EVAL ${script.trim().split('\n')[0]}`,
              keys: args.slice(0, count).map((k) => PREFIX + k),
              script,
            });
            return Promise.resolve('orch-1');
          };
        if (name === 'smembers') return () => Promise.resolve(['n1', 'n2']);
        if (name === 'scan') return () => Promise.resolve(['0', []]);
        return () => Promise.resolve(null);
      },
    },
  ) as RedisClient;
  return { redis, steps };
}

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

async function everyStep(): Promise<Step[]> {
  const { redis, steps } = recordingRedis();
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
  let steps: Step[];
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
    const spread = steps
      .map((s) => ({ step: s.what, slots: [...new Set(s.keys.map((k) => calculateSlot(k)))] }))
      .filter((s) => s.slots.length !== 1);
    expect(spread).toEqual([]);
  });

  it('gives every script its keys in KEYS, never building one from ARGV', () => {
    for (const { script, what } of steps) {
      if (script === undefined) continue;
      const keyArguments = [...script.matchAll(/redis\.call\('[A-Z]+',\s*([^,)]+)/g)].map((m) =>
        m[1]!.trim(),
      );
      expect({ what, keyArguments }).toEqual({
        what,
        keyArguments: keyArguments.map(() => expect.stringMatching(/^KEYS\[\d+\]$/)),
      });
    }
  });
});
