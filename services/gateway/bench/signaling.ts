/**
 * Gateway signaling benchmark (issue 5): join latency through two gateway instances, and event
 * fan-out through the Redis adapter beside a bare Socket.IO + Redis-adapter baseline measured in
 * the same run. Everything runs on this machine against real processes (startCascadeStack: rooms
 * service, orchestrator, SFU node, gateways, NATS, Redis, PostgreSQL); build first.
 *
 *   cd services/gateway && npm run bench [-- --bursts 50x1,200x1,200x10 --sequential 20
 *     --publishers 2 --receivers 200 --messages 500 --window 10 --text-bytes 100 --rounds 4
 *     --warmup 200 --warmup-joins 30 --sfu-nodes 1 --no-join --no-fanout --no-rooms-off --no-write]
 *
 * Every flag can also be given as an environment variable GATEWAY_BENCH_<FLAG> (upper case,
 * dashes as underscores: GATEWAY_BENCH_BURSTS=50x1). Unknown arguments are ignored (scripts/bench.sh
 * passes the sfu-node bench's own). Writes bench-results/gateway-signaling.json and .md at the
 * repository root.
 */
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';

import { benchMachine } from '@cascade/testing';
import { Redis } from 'ioredis';

import {
  type RunningCascadeStack,
  type StackOptions,
  startCascadeStack,
} from '../test/support/stack';
import { BaselineServers, type FanoutSettings, runFanout } from './fanout';
import { machineBusyOver, processesBusyOver, stackProcesses } from './metrics';
import { sleep } from './stats';
import { type JoinScenario, type JoinScenarioResult, runJoinScenario } from './join';
import { type BenchResults, type StackDescription, writeReport } from './report';

const OPTIONS = {
  bursts: { type: 'string' },
  sequential: { type: 'string' },
  publishers: { type: 'string' },
  receivers: { type: 'string' },
  messages: { type: 'string' },
  window: { type: 'string' },
  'text-bytes': { type: 'string' },
  rounds: { type: 'string' },
  warmup: { type: 'string' },
  'warmup-joins': { type: 'string' },
  'sfu-nodes': { type: 'string' },
  'no-join': { type: 'boolean' },
  'no-fanout': { type: 'boolean' },
  'no-rooms-off': { type: 'boolean' },
  'no-write': { type: 'boolean' },
} as const;

/** Raised so that one request bucket never throttles the benchmark's single sender. */
export const RATE_LIMIT_ENV = {
  GATEWAY_RATE_LIMIT_PER_SECOND: '100000',
  GATEWAY_RATE_LIMIT_BURST: '100000',
  // Every benchmark client connects from 127.0.0.1.
  GATEWAY_HANDSHAKE_RATE_LIMIT_PER_MINUTE: '100000',
};
/**
 * Streams an SFU node counts as its capacity. The orchestrator reserves up to 2·(1 + 25) streams
 * per join until a heartbeat covers it; a burst of 200 joins into one room would exceed the
 * default 2,000 and be refused (CAPACITY_EXHAUSTED) although the signaling-only clients send no
 * media. Placement's capacity model is not what this measures.
 */
const SFU_MAX_STREAMS = 100_000;
/** A measurement starts once the stack's processes are at most this much above their idle CPU. */
export const QUIET_MARGIN_CORES = 0.15;

function settings() {
  const { values } = parseArgs({ strict: false, options: OPTIONS });
  const get = (name: keyof typeof OPTIONS): string | boolean | undefined => {
    const flag = values[name];
    if (flag !== undefined) return flag;
    const env = process.env[`GATEWAY_BENCH_${name.toUpperCase().replaceAll('-', '_')}`];
    if (env === undefined || env === '') return undefined;
    return OPTIONS[name].type === 'boolean' ? env !== '0' && env !== 'false' : env;
  };
  const int = (name: keyof typeof OPTIONS, fallback: number) => {
    const v = get(name);
    const n = typeof v === 'string' ? Number.parseInt(v, 10) : NaN;
    return Number.isFinite(n) ? n : fallback;
  };
  const burstSpec = get('bursts');
  const bursts: JoinScenario[] = (typeof burstSpec === 'string' ? burstSpec : '50x1,200x1,200x10')
    .split(',')
    .filter((s) => s.trim() !== '')
    .map((s) => {
      const [clients, rooms] = s.split('x').map((n) => Number.parseInt(n, 10));
      if (!clients || clients < 1)
        throw new Error(`--bursts: bad entry ${s} (want <clients>x<rooms>)`);
      return { mode: 'burst' as const, clients, rooms: Math.max(1, rooms || 1) };
    });
  const sequential = int('sequential', 20);
  const fanout: FanoutSettings = {
    receivers: int('receivers', 200),
    messages: int('messages', 500),
    window: int('window', 10),
    textBytes: int('text-bytes', 100),
    rounds: int('rounds', 4),
    warmupMessages: int('warmup', 200),
    deliveryTimeoutMs: 60_000,
    quietCores: NaN, // per stack, from its idle load
  };
  return {
    joinScenarios: [
      ...(sequential > 0 ? [{ mode: 'sequential' as const, clients: sequential, rooms: 1 }] : []),
      ...bursts,
    ],
    publishersPerRoom: int('publishers', 2),
    warmupJoins: int('warmup-joins', 30),
    sfuNodes: Math.max(1, int('sfu-nodes', 1)),
    fanout,
    join: !get('no-join'),
    fanoutEnabled: !get('no-fanout'),
    roomsOff: !get('no-rooms-off'),
    write: !get('no-write'),
  };
}

const log = (line: string) => console.log(`[${new Date().toISOString().slice(11, 19)}] ${line}`);

function logJoin(r: JoinScenarioResult): void {
  const f = (v: number) => v.toFixed(1);
  log(
    `${r.stack} — ${r.name}: join p50 ${f(r.joinMs.p50)} p95 ${f(r.joinMs.p95)} p99 ${f(r.joinMs.p99)} ` +
      `max ${f(r.joinMs.max)} ms; consumers ready p50 ${f(r.readyMs.p50)} p99 ${f(r.readyMs.p99)} ` +
      `max ${f(r.readyMs.max)} ms; wall ${r.wallMs.toFixed(0)} ms; consumers ` +
      `${r.consumersCreated}/${r.consumersExpected}; failures ${r.failures}` +
      (r.errors.length ? ` (${r.errors.join('; ')})` : ''),
  );
  log(
    `  server means: ${Object.entries(r.serverMeansMs)
      .map(([k, v]) => `${k} ${f(v)}`)
      .join(', ')} ms; CPU ms: ${Object.entries(r.cpuMs)
      .map(([k, v]) => `${k} ${Math.round(v)}`)
      .join(', ')}; machine busy ${r.machineBusyCores.toFixed(2)} cores`,
  );
}

async function withStack<T>(
  options: StackOptions,
  body: (stack: RunningCascadeStack) => Promise<T>,
): Promise<T> {
  const started = performance.now();
  const stack = await startCascadeStack(options);
  log(
    `stack up in ${((performance.now() - started) / 1000).toFixed(1)} s: ${stack.gateways.length} gateways, ` +
      `${stack.sfuNodes.length} SFU node(s), rooms service ${stack.rooms ? 'on' : 'off'}`,
  );
  try {
    return await body(stack);
  } catch (error) {
    stack.dumpLogs(30);
    throw error;
  } finally {
    await stack.stop();
  }
}

async function redisVersion(url: string): Promise<string> {
  const redis = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 1 });
  try {
    await redis.connect();
    const info = await redis.info('server');
    return /redis_version:(\S+)/.exec(info)?.[1] ?? 'unknown';
  } catch {
    return 'unknown';
  } finally {
    redis.disconnect();
  }
}

async function main(): Promise<void> {
  const s = settings();
  const machine = benchMachine();
  const started = performance.now();
  const stackOptions = (rooms: boolean): StackOptions => ({
    gateways: 2,
    sfuNodes: s.sfuNodes,
    rooms,
    sfuMaxStreams: SFU_MAX_STREAMS,
    gatewayEnv: RATE_LIMIT_ENV,
    roomsEnv: { ROOMS_MAX_CAPACITY: '100000' },
  });
  const describe = (rooms: boolean, label: string): StackDescription => ({
    label,
    rooms,
    gateways: 2,
    sfuNodes: s.sfuNodes,
    gatewayEnv: RATE_LIMIT_ENV,
    sfuMaxStreams: SFU_MAX_STREAMS,
    idleStackCores: NaN,
    idleMachineCores: NaN,
  });
  const WITH_ROOMS = 'rooms service on';
  const WITHOUT_ROOMS = 'rooms service off';
  const plan = [
    { label: WITH_ROOMS, rooms: true },
    ...(s.roomsOff ? [{ label: WITHOUT_ROOMS, rooms: false }] : []),
  ];
  const results: BenchResults = {
    machine,
    stacks: plan.map((p) => describe(p.rooms, p.label)),
    joins: [],
    fanout: [],
    redisVersion: 'unknown',
  };

  for (const [index, { label, rooms }] of plan.entries()) {
    await withStack(stackOptions(rooms), async (stack) => {
      const redis = stack.infra.redis!;
      if (results.redisVersion === 'unknown') results.redisVersion = await redisVersion(redis.url);
      // What the idle stack (heartbeats, sweeps) keeps busy: each measurement starts once the
      // stack's processes are back near that (other load on the machine does not count).
      await sleep(1_000);
      const [idleStack, idleMachine] = await Promise.all([
        processesBusyOver(stackProcesses(stack.processes), 2_000),
        machineBusyOver(2_000),
      ]);
      const quietCores = idleStack + QUIET_MARGIN_CORES;
      Object.assign(results.stacks[index]!, {
        idleStackCores: idleStack,
        idleMachineCores: idleMachine,
      });
      log(
        `idle: the stack's processes ${idleStack.toFixed(2)} cores, the machine ${idleMachine.toFixed(2)} ` +
          `cores busy; measurements start when the stack is under ${quietCores.toFixed(2)}`,
      );
      if (s.join) {
        if (s.warmupJoins > 0) {
          // A fresh stack runs cold code (JIT, lazily built schemas): warm it up, unrecorded.
          const warm = { mode: 'burst' as const, clients: s.warmupJoins, rooms: 2 };
          await runJoinScenario(stack, label, rooms, warm, s.publishersPerRoom, quietCores);
          log(`warm-up: ${s.warmupJoins} joins (not recorded)`);
        }
        for (const scenario of s.joinScenarios) {
          const r = await runJoinScenario(
            stack,
            label,
            rooms,
            scenario,
            s.publishersPerRoom,
            quietCores,
          );
          logJoin(r);
          results.joins.push(r);
        }
      }
      if (s.fanoutEnabled) {
        const baseline = await BaselineServers.start(
          2,
          redis.url,
          `${redis.keyPrefix}baseline.socket.io`,
        );
        try {
          const { runs, summaries } = await runFanout(
            stack,
            label,
            rooms,
            baseline,
            { ...s.fanout, quietCores },
            log,
          );
          results.fanout.push({
            stack: label,
            settings: { ...s.fanout, quietCores },
            runs,
            summaries,
          });
          for (const sum of summaries) {
            log(
              `fan-out (${label}) ×${sum.instances}: Cascade ${Math.round(sum.cascadeEventsPerSecond)} ` +
                `events/s, baseline ${Math.round(sum.baselineEventsPerSecond)} events/s, ratio ${sum.ratio.toFixed(3)}`,
            );
          }
        } finally {
          await baseline.stop();
        }
      }
    });
  }

  const elapsedMs = performance.now() - started;
  log(`done in ${(elapsedMs / 1000).toFixed(1)} s`);
  if (s.write) {
    const written = await writeReport(results, {
      publishersPerRoom: s.publishersPerRoom,
      warmupJoins: s.warmupJoins,
      joinScenarios: s.joinScenarios,
      elapsedMs,
    });
    log(`wrote ${written.join(', ')}`);
  }
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
