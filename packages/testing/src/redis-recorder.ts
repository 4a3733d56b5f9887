import calculateSlot from 'cluster-key-slot';
import type { Redis } from 'ioredis';

/**
 * One atomic step a store took in Redis: a script (EVAL), a MULTI or a pipeline, with the keys
 * it names as the server sees them (the key prefix in front).
 */
export interface RecordedStep {
  /** `EVAL <first line of the script>`, or `MULTI SET EXPIRE …`, `PIPELINE …`. */
  what: string;
  keys: string[];
  /** The script's source, for an EVAL (also one queued inside a MULTI). */
  script?: string;
}

export interface RecordingRedisOptions {
  /** REDIS_KEY_PREFIX: ioredis puts it in front of every key, so the slots are computed with it. */
  prefix?: string;
  /** What a plain command answers, by its name (`hmget`, `smembers`…); `null` for the rest. */
  reads?: Record<string, unknown>;
  /** What an EVAL answers (a count, a flag, a list), from its script; 1 unless given. */
  evalAnswer?: (script: string) => unknown;
}

/**
 * A stand-in for ioredis that records every script, MULTI and pipeline a store runs, with the
 * keys each names, and answers every read plausibly. Redis Cluster runs a script, a MULTI or a
 * pipeline only when all its keys hash to one slot, and routes a script by the keys it is given,
 * so these records are what the cluster-slot tests check (`stepsAcrossSlots`, `scriptKeyProblems`).
 * The real cluster runs the same stores in each service's redis-cluster integration test.
 */
export function recordingRedis<T = Redis>(
  options: RecordingRedisOptions = {},
): { redis: T; steps: RecordedStep[] } {
  const prefix = options.prefix ?? 'cascade:';
  const reads = options.reads ?? {};
  const evalAnswer = options.evalAnswer ?? (() => 1);
  const steps: RecordedStep[] = [];

  /** A MULTI or a chained pipeline: every command queued names its key; EVAL its KEYS. */
  const batch = (kind: 'MULTI' | 'PIPELINE') => (): unknown => {
    const step: RecordedStep = { what: kind, keys: [] };
    const chain: unknown = new Proxy(
      {},
      {
        get: (_, command: string) =>
          command === 'exec'
            ? () => {
                steps.push(step);
                return Promise.resolve(step.keys.map(() => [null, 1]));
              }
            : (first: string, ...rest: string[]) => {
                step.what += ` ${command.toUpperCase()}`;
                if (command === 'eval') {
                  // eval(script, numberOfKeys, ...keysAndArgs)
                  const count = Number(rest[0]);
                  step.keys.push(...rest.slice(1, 1 + count).map((k) => prefix + k));
                  step.script = first;
                } else step.keys.push(prefix + first);
                return chain;
              },
      },
    );
    return chain;
  };

  /** `pipeline([[command, key, …], …])`: ioredis's array form. */
  const pipelineOf = (commands: Array<[string, string, ...unknown[]]>) => {
    steps.push({
      what: `PIPELINE ${commands.map(([c]) => c.toUpperCase()).join(' ')}`,
      keys: commands.map(([, key]) => prefix + key),
    });
    return { exec: () => Promise.resolve(commands.map(() => [null, 1])) };
  };

  const redis = new Proxy(
    {},
    {
      get: (_, name: string) => {
        if (name === 'options') return { keyPrefix: prefix };
        if (name === 'then') return undefined; // not a thenable
        if (name === 'multi') return batch('MULTI');
        if (name === 'pipeline') {
          return (commands?: Array<[string, string, ...unknown[]]>) =>
            commands === undefined ? batch('PIPELINE')() : pipelineOf(commands);
        }
        if (name === 'eval') {
          return (script: string, count: number, ...args: string[]) => {
            steps.push({
              what: `EVAL ${script.trim().split('\n')[0]}`,
              keys: args.slice(0, count).map((k) => prefix + k),
              script,
            });
            return Promise.resolve(evalAnswer(script));
          };
        }
        return () => Promise.resolve(reads[name] ?? null);
      },
    },
  ) as T;
  return { redis, steps };
}

/** The steps whose keys hash to more than one slot (each with its slots): none on a good store. */
export function stepsAcrossSlots(
  steps: readonly RecordedStep[],
): Array<{ step: string; slots: number[] }> {
  return steps
    .map((s) => ({ step: s.what, slots: [...new Set(s.keys.map((k) => calculateSlot(k)))] }))
    .filter((s) => s.slots.length !== 1);
}

/**
 * What is wrong with the keys of a step's script, for a cluster: each Redis command whose key is
 * not one of `KEYS[n]` (the cluster would not route by it), and a key built by concatenating
 * ARGV (or a `fields` table made from it). Empty for a good script or a step without one.
 */
export function scriptKeyProblems(step: RecordedStep): string[] {
  if (step.script === undefined) return [];
  const problems: string[] = [];
  for (const match of step.script.matchAll(/redis\.call\('([A-Z]+)',\s*([^,)]+)/g)) {
    const key = match[2]!.trim();
    if (!/^KEYS\[\d+\]$/.test(key)) problems.push(`${match[1]} on ${key}, not one of KEYS`);
  }
  if (/\.\.\s*(ARGV|fields)/.test(step.script)) problems.push('a key concatenated from ARGV');
  return problems;
}
