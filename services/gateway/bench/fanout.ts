import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { createInterface } from 'node:readline';

import { PROTOCOL_VERSION, type Reply } from '@cascade/contracts';
import { type Socket, io } from 'socket.io-client';

import type { RunningCascadeStack } from '../test/support/stack';
import { TENANT, createRooms } from './join';
import { CpuWindow, type Watched, quiesce, stackProcesses } from './metrics';
import { type Distribution, cpuOf, distribution, inBatches, median, sleep } from './stats';

const RUN_TS = resolve(__dirname, '../../../packages/testing/src/browser/run-ts.js');
const BASELINE_SCRIPT = join(__dirname, 'baseline-server.ts');
const TIMEOUT_MS = 30_000;
const SENDER = { userId: 'u_fanout_sender', displayName: 'Fan-out sender' };

export type FanoutSystem = 'cascade' | 'baseline';

export interface FanoutSettings {
  receivers: number;
  messages: number;
  /** Requests the sender keeps in flight (1 = the next `chat.send` only after the last ack). */
  window: number;
  textBytes: number;
  rounds: number;
  warmupMessages: number;
  /** Per measurement: past this, what arrived so far is the result. */
  deliveryTimeoutMs: number;
  /** Before each measurement, wait until the watched processes are at most this busy (cores). */
  quietCores: number;
}

/** One measurement: the sender sends every message, each receiver must get every one. */
export interface FanoutRun {
  stack: string;
  system: FanoutSystem;
  instances: number;
  round: number;
  receivers: number;
  messages: number;
  expectedEvents: number;
  deliveredEvents: number;
  /** Receivers that did not get exactly `messages` messages (missing or duplicated). */
  receiversIncomplete: number;
  ackFailures: number;
  /** First send to the last delivery. */
  elapsedMs: number;
  /** First send to the last ack. */
  sendMs: number;
  eventsPerSecond: number;
  /** Send of a message to its delivery at each receiver. */
  latencyMs: Distribution;
  /** CPU of the server processes (both instances) during the measurement. */
  serverCpuMs: number;
  serverCpuMsPer1000Events: number;
  /** CPU of this process (all the clients) during the measurement. */
  benchCpuMs: number;
  /** CPU ms of every process during the measurement, by service (and `baseline-server`). */
  cpuMs: Record<string, number>;
  /** Cores the whole machine was busy on average during the measurement. */
  machineBusyCores: number;
  /** Waited before the measurement for the processes to be quiet (leftovers of the last one). */
  quiesceMs: number;
  /** `JSON.stringify` length of one delivered `chat.message` payload. */
  payloadBytes: number;
}

export interface FanoutSummary {
  stack: string;
  instances: number;
  cascadeEventsPerSecond: number;
  baselineEventsPerSecond: number;
  /** Median Cascade rate over median baseline rate. */
  ratio: number;
  /** Each round's Cascade rate over the same round's baseline rate. */
  roundRatios: number[];
  cascadeServerCpuMsPer1000Events: number;
  baselineServerCpuMsPer1000Events: number;
  cascadeLatencyP50Ms: number;
  baselineLatencyP50Ms: number;
  cascadeLatencyP99Ms: number;
  baselineLatencyP99Ms: number;
}

interface FanoutSide {
  system: FanoutSystem;
  instances: number;
  sender: Socket;
  receivers: Socket[];
  pids: Array<number | undefined>;
  close(): Promise<void>;
}

/** A raw Socket.IO client (the same for both systems: nothing records events but the bench). */
function connectRaw(url: string, auth: Record<string, unknown>): Promise<Socket> {
  const socket = io(url, {
    path: '/socket.io',
    transports: ['websocket'],
    auth,
    reconnection: false,
    forceNew: true,
    timeout: TIMEOUT_MS,
  });
  return new Promise((resolve, reject) => {
    socket.once('connect', () => {
      socket.off('connect_error');
      resolve(socket);
    });
    socket.once('connect_error', (error: Error & { data?: unknown }) => {
      socket.close();
      reject(new Error(`connect_error: ${error.message} ${JSON.stringify(error.data)}`));
    });
  });
}

async function ack<T>(socket: Socket, event: string, payload: unknown): Promise<T> {
  const reply = (await socket.timeout(TIMEOUT_MS).emitWithAck(event, payload)) as Reply<T>;
  if (!reply.ok) throw new Error(`${event}: ${reply.error.code} ${reply.error.message}`);
  return reply.data;
}

/** Gateway (or baseline server) index of receiver i. */
const instanceOf = (i: number, instances: number) => (instances === 1 ? 0 : i % instances);

async function cascadeSide(
  stack: RunningCascadeStack,
  withRooms: boolean,
  instances: number,
  receivers: number,
): Promise<FanoutSide> {
  const [roomId] = await createRooms(stack, withRooms, 1, receivers + 50);
  const all: Socket[] = [];
  const joined = async (gateway: number, user: string, name: string) => {
    const token = stack.mintJoinToken({ tenant: TENANT, user, room: roomId!, name });
    const socket = await connectRaw(stack.gatewayUrls[gateway]!, {
      protocolVersion: PROTOCOL_VERSION,
      token,
    });
    all.push(socket);
    // Setup, not measured: a join refused under load (the rooms service) is tried again.
    for (let attempt = 1; ; attempt++) {
      try {
        await ack(socket, 'room.join', {});
        return socket;
      } catch (error) {
        if (attempt === 3) throw error;
        await sleep(500);
      }
    }
  };
  const serial = randomBytes(3).toString('hex');
  const sender = await joined(0, SENDER.userId, SENDER.displayName);
  const list = await inBatches(receivers, 50, (i) =>
    joined(instanceOf(i, instances), `u_fan${serial}_${i}`, `Receiver ${i}`),
  );
  return {
    system: 'cascade',
    instances,
    sender,
    receivers: list,
    pids: stack.gateways.map((g) => g.child.pid),
    close: async () => {
      await inBatches(all.length, 100, async (i) => {
        await ack(all[i]!, 'room.leave', {}).catch(() => undefined);
        all[i]!.close();
      });
    },
  };
}

/** The bare Socket.IO + Redis adapter servers, one child process each. */
export class BaselineServers {
  private constructor(
    readonly children: ChildProcess[],
    readonly urls: string[],
  ) {}

  static async start(count: number, redisUrl: string, key: string): Promise<BaselineServers> {
    const children: ChildProcess[] = [];
    const urls: string[] = [];
    process.once('exit', () => children.forEach((c) => c.kill('SIGKILL')));
    for (let i = 0; i < count; i++) {
      const child = spawn(process.execPath, [RUN_TS, BASELINE_SCRIPT], {
        cwd: resolve(__dirname, '..'),
        env: { ...process.env, BASELINE_REDIS_URL: redisUrl, BASELINE_ADAPTER_KEY: key },
        stdio: ['pipe', 'pipe', 'inherit'],
      });
      children.push(child);
      const lines = createInterface({ input: child.stdout! });
      const first = await Promise.race([
        once(lines, 'line').then(([line]) => String(line)),
        once(child, 'exit').then(() => {
          throw new Error('the baseline server exited before it listened');
        }),
      ]);
      urls.push(`http://127.0.0.1:${(JSON.parse(first) as { port: number }).port}`);
    }
    return new BaselineServers(children, urls);
  }

  async side(instances: number, receivers: number): Promise<FanoutSide> {
    const room = `room_${randomBytes(6).toString('hex')}`;
    const all: Socket[] = [];
    const connected = async (server: number, userId: string, displayName: string) => {
      const socket = await connectRaw(this.urls[server]!, { room, userId, displayName });
      all.push(socket);
      return socket;
    };
    const sender = await connected(0, SENDER.userId, SENDER.displayName);
    const list = await inBatches(receivers, 50, (i) =>
      connected(instanceOf(i, instances), `u_fan_${i}`, `Receiver ${i}`),
    );
    return {
      system: 'baseline',
      instances,
      sender,
      receivers: list,
      pids: this.children.map((c) => c.pid),
      close: async () => {
        for (const socket of all) socket.close();
        await Promise.resolve();
      },
    };
  }

  async stop(): Promise<void> {
    await Promise.all(
      this.children.map(async (child) => {
        if (child.exitCode !== null || child.signalCode !== null) return;
        const exited = once(child, 'exit');
        child.stdin?.end();
        const timer = setTimeout(() => child.kill('SIGKILL'), 3_000);
        await exited;
        clearTimeout(timer);
      }),
    );
  }
}

/** `<tag>:<index, 6 digits>:xxx…`, `bytes` characters long. */
function messageText(prefix: string, index: number, bytes: number): string {
  const head = `${prefix}${String(index).padStart(6, '0')}:`;
  return head + 'x'.repeat(Math.max(0, bytes - head.length));
}

async function measure(
  side: FanoutSide,
  round: number,
  messages: number,
  settings: FanoutSettings,
  stack: string,
  watched: Watched[],
): Promise<FanoutRun> {
  const quiesceMs = await quiesce(watched, settings.quietCores);
  const receivers = side.receivers.length;
  const expected = receivers * messages;
  const prefix = `${randomBytes(3).toString('hex')}:`;
  const sentAt = new Float64Array(messages);
  const latencies = new Float64Array(expected);
  const counts = new Uint32Array(receivers);
  let received = 0;
  let lastDelivery = 0;
  let payloadBytes = 0;
  let finished!: () => void;
  const done = new Promise<void>((r) => (finished = r));
  const handlers = side.receivers.map((socket, r) => {
    const handler = (payload: { text?: string }) => {
      const text = payload?.text;
      if (typeof text !== 'string' || !text.startsWith(prefix)) return;
      const now = performance.now();
      const index = Number(text.slice(prefix.length, prefix.length + 6));
      if (received < expected) latencies[received] = now - sentAt[index]!;
      if (payloadBytes === 0) payloadBytes = JSON.stringify(payload).length;
      received++;
      counts[r]!++;
      lastDelivery = now;
      if (received === expected) finished();
    };
    socket.on('chat.message', handler);
    return () => socket.off('chat.message', handler);
  });

  const cpuBefore = cpuOf(side.pids);
  const benchBefore = process.cpuUsage();
  const cpu = new CpuWindow(watched);
  const start = performance.now();
  let next = 0;
  let ackFailures = 0;
  const sendLoop = async () => {
    while (next < messages) {
      const index = next++;
      sentAt[index] = performance.now();
      try {
        await ack(side.sender, 'chat.send', {
          text: messageText(prefix, index, settings.textBytes),
        });
      } catch {
        ackFailures++;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, settings.window) }, sendLoop));
  const acked = performance.now();
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([
    done,
    new Promise<void>((r) => (timer = setTimeout(r, settings.deliveryTimeoutMs))),
  ]);
  clearTimeout(timer);
  const end = received >= expected ? lastDelivery : performance.now();
  const bench = process.cpuUsage(benchBefore);
  const serverCpuMs = cpuOf(side.pids) - cpuBefore;
  const { cpuMs, machineBusyCores } = cpu.read();
  for (const off of handlers) off();
  const elapsedMs = end - start;
  return {
    stack,
    system: side.system,
    instances: side.instances,
    round,
    receivers,
    messages,
    expectedEvents: expected,
    deliveredEvents: received,
    receiversIncomplete: counts.filter((c) => c !== messages).length,
    ackFailures,
    elapsedMs,
    sendMs: acked - start,
    eventsPerSecond: (received / elapsedMs) * 1000,
    latencyMs: distribution(latencies.subarray(0, Math.min(received, expected))),
    serverCpuMs,
    serverCpuMsPer1000Events: received > 0 ? (serverCpuMs / received) * 1000 : NaN,
    benchCpuMs: (bench.user + bench.system) / 1000,
    cpuMs,
    machineBusyCores,
    quiesceMs,
    payloadBytes,
  };
}

/**
 * For one and for two instances: the same receivers and messages through Cascade's gateways and
 * through the bare baseline, alternating which goes first in each round.
 */
export async function runFanout(
  stack: RunningCascadeStack,
  stackLabel: string,
  withRooms: boolean,
  baseline: BaselineServers,
  settings: FanoutSettings,
  log: (line: string) => void,
): Promise<{ runs: FanoutRun[]; summaries: FanoutSummary[] }> {
  const runs: FanoutRun[] = [];
  const summaries: FanoutSummary[] = [];
  const watched: Watched[] = [
    ...stackProcesses(stack.processes),
    ...baseline.children.map((c) => ({ name: 'baseline-server', pid: c.pid })),
  ];
  for (const instances of [1, 2]) {
    const cascade = await cascadeSide(stack, withRooms, instances, settings.receivers);
    const bare = await baseline.side(instances, settings.receivers);
    try {
      // The joins' participant.joined events are still being delivered: let them drain.
      await sleep(1_500);
      for (const side of [cascade, bare])
        await measure(side, 0, settings.warmupMessages, settings, stackLabel, watched);
      for (let round = 1; round <= settings.rounds; round++) {
        const order = round % 2 === 1 ? [cascade, bare] : [bare, cascade];
        for (const side of order) {
          const run = await measure(side, round, settings.messages, settings, stackLabel, watched);
          runs.push(run);
          log(
            `fan-out (${stackLabel}) ${side.system} ×${instances} round ${round}: ` +
              `${Math.round(run.eventsPerSecond).toLocaleString('en')} events/s ` +
              `(${run.deliveredEvents}/${run.expectedEvents} in ${run.elapsedMs.toFixed(0)} ms, ` +
              `sent in ${run.sendMs.toFixed(0)} ms), latency p50 ${run.latencyMs.p50.toFixed(1)} ms ` +
              `p99 ${run.latencyMs.p99.toFixed(1)} ms, servers ${run.serverCpuMs.toFixed(0)} ms CPU, ` +
              `bench ${run.benchCpuMs.toFixed(0)} ms CPU, machine busy ${run.machineBusyCores.toFixed(2)} cores`,
          );
        }
      }
    } finally {
      await cascade.close();
      await bare.close();
      await sleep(1_000);
    }
    const of = (system: FanoutSystem) =>
      runs.filter((r) => r.instances === instances && r.system === system);
    const c = of('cascade');
    const b = of('baseline');
    const rate = (rs: FanoutRun[]) => median(rs.map((r) => r.eventsPerSecond));
    summaries.push({
      stack: stackLabel,
      instances,
      cascadeEventsPerSecond: rate(c),
      baselineEventsPerSecond: rate(b),
      ratio: rate(c) / rate(b),
      roundRatios: c.map((run, i) => run.eventsPerSecond / (b[i]?.eventsPerSecond ?? NaN)),
      cascadeServerCpuMsPer1000Events: median(c.map((r) => r.serverCpuMsPer1000Events)),
      baselineServerCpuMsPer1000Events: median(b.map((r) => r.serverCpuMsPer1000Events)),
      cascadeLatencyP50Ms: median(c.map((r) => r.latencyMs.p50)),
      baselineLatencyP50Ms: median(b.map((r) => r.latencyMs.p50)),
      cascadeLatencyP99Ms: median(c.map((r) => r.latencyMs.p99)),
      baselineLatencyP99Ms: median(b.map((r) => r.latencyMs.p99)),
    });
  }
  return { runs, summaries };
}
