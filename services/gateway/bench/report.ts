import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

import { type BenchMachine, REPO_ROOT, writeFormatted } from '@cascade/testing';

import type { FanoutRun, FanoutSettings, FanoutSummary } from './fanout';
import type { JoinScenario, JoinScenarioResult } from './join';

export const GOALS = { joinP50Ms: 30, joinP99Ms: 100, fanoutRatio: 0.9 };
/** As QUIET_MARGIN_CORES in signaling.ts. */
const QUIET_MARGIN = 0.15;

export interface StackDescription {
  label: string;
  rooms: boolean;
  gateways: number;
  sfuNodes: number;
  gatewayEnv: Record<string, string>;
  sfuMaxStreams: number;
  /** Cores the stack's processes kept busy while idle (over 2 s after start). */
  idleStackCores: number;
  /** Cores the whole machine was busy meanwhile (other work on the machine included). */
  idleMachineCores: number;
}

export interface FanoutResult {
  stack: string;
  settings: FanoutSettings;
  runs: FanoutRun[];
  summaries: FanoutSummary[];
}

export interface BenchResults {
  machine: BenchMachine;
  /** The first stack (rooms service on) is the one the goals are checked on. */
  stacks: StackDescription[];
  joins: JoinScenarioResult[];
  fanout: FanoutResult[];
  redisVersion: string;
}

interface RunInfo {
  publishersPerRoom: number;
  warmupJoins: number;
  joinScenarios: JoinScenario[];
  elapsedMs: number;
}

const ms = (v: number) => (Number.isFinite(v) ? v.toFixed(1) : '–');
const int = (v: number | undefined) =>
  v !== undefined && Number.isFinite(v) ? Math.round(v).toLocaleString('en') : '–';
const mark = (ok: boolean) => (ok ? '✓' : '✗');

function table(header: string[], body: string[][], numericFrom = 1): string {
  const align = header.map((_, i) => (i >= numericFrom ? '---:' : '---'));
  return [header, align, ...body].map((cells) => `| ${cells.join(' | ')} |`).join('\n');
}

function version(pkg: string): string {
  try {
    const file = join(REPO_ROOT, 'node_modules', pkg, 'package.json');
    return (JSON.parse(readFileSync(file, 'utf8')) as { version: string }).version;
  } catch {
    return 'unknown';
  }
}

/** CPU of every measured process (services and the clients) per joining client. */
function cpuPerClient(r: JoinScenarioResult): number {
  const total = Object.values(r.cpuMs).reduce((a, b) => a + b, 0);
  return total / r.clients;
}

export async function writeReport(results: BenchResults, info: RunInfo): Promise<string[]> {
  const dir = join(REPO_ROOT, 'bench-results');
  mkdirSync(dir, { recursive: true });
  const conditions = {
    date: new Date().toISOString(),
    machine: results.machine,
    node: process.version,
    versions: {
      'socket.io': version('socket.io'),
      'socket.io-client': version('socket.io-client'),
      '@socket.io/redis-adapter': version('@socket.io/redis-adapter'),
      ioredis: version('ioredis'),
      redis: results.redisVersion,
    },
    stacks: results.stacks,
    join: {
      scenarios: info.joinScenarios,
      publishersPerRoom: info.publishersPerRoom,
      warmupJoins: info.warmupJoins,
      producersPerRoom: info.publishersPerRoom * 2,
    },
    fanout: results.fanout[0]?.settings,
    elapsedSeconds: info.elapsedMs / 1000,
  };
  const goals = verdicts(results);
  const jsonPath = join(dir, 'gateway-signaling.json');
  const mdPath = join(dir, 'gateway-signaling.md');
  await writeFormatted(
    jsonPath,
    `${JSON.stringify(
      {
        conditions,
        goals: { targets: GOALS, verdicts: goals },
        joins: results.joins,
        fanout: results.fanout.map((f) => ({
          stack: f.stack,
          summaries: f.summaries,
          runs: f.runs,
        })),
      },
      null,
      2,
    )}\n`,
  );
  await writeFormatted(mdPath, markdown(results, conditions, goals, info));
  return [jsonPath, mdPath];
}

interface Verdict {
  scenario: string;
  measured: string;
  goal: string;
  met: boolean;
}

function verdicts(results: BenchResults): Verdict[] {
  const out: Verdict[] = [];
  const main = results.stacks[0]?.label;
  for (const r of results.joins.filter((j) => j.stack === main && j.mode === 'burst')) {
    const failed = r.failures > 0 ? `; ${r.failures} of ${r.clients} joins failed` : '';
    out.push({
      scenario: `join p50, ${r.name}`,
      measured: `${ms(r.joinMs.p50)} ms${failed}`,
      goal: `≤ ${GOALS.joinP50Ms} ms`,
      met: r.failures === 0 && r.joinMs.p50 <= GOALS.joinP50Ms,
    });
    out.push({
      scenario: `join p99, ${r.name}`,
      measured: `${ms(r.joinMs.p99)} ms${failed}`,
      goal: `≤ ${GOALS.joinP99Ms} ms`,
      met: r.failures === 0 && r.joinMs.p99 <= GOALS.joinP99Ms,
    });
  }
  for (const f of results.fanout) {
    for (const s of f.summaries) {
      out.push({
        scenario: `fan-out (${f.stack}), ${s.instances} gateway instance${s.instances > 1 ? 's' : ''}: Cascade / bare baseline`,
        measured: `${s.ratio.toFixed(2)}× (${int(s.cascadeEventsPerSecond)} vs ${int(s.baselineEventsPerSecond)} events/s)`,
        goal: `≥ ${GOALS.fanoutRatio}×`,
        met: s.ratio >= GOALS.fanoutRatio,
      });
    }
  }
  return out;
}

const pct = (v: number) => `${v >= 0 ? '+' : ''}${(v * 100).toFixed(0)} %`;

/** What the figures say, computed from them (so that it stays true on a re-run). */
function reading(results: BenchResults): string {
  const out: string[] = [];
  const cores = results.machine.cores;
  const [first, second] = results.stacks;
  const find = (stack: string | undefined, pred: (r: JoinScenarioResult) => boolean) =>
    results.joins.find((r) => r.stack === stack && pred(r));
  const seqOn = find(first?.label, (r) => r.mode === 'sequential');
  const seqOff = find(second?.label, (r) => r.mode === 'sequential');
  if (seqOn) {
    const ok = seqOn.joinMs.p50 <= GOALS.joinP50Ms && seqOn.joinMs.p99 <= GOALS.joinP99Ms;
    out.push(
      `- **One join at a time** (${first?.label}): join p50 ${ms(seqOn.joinMs.p50)} ms, p99 ${ms(seqOn.joinMs.p99)} ms — ${ok ? 'within' : 'outside'} the goal's figures when joins do not compete. The gateway answered room.join in ${ms(seqOn.serverMeansMs['gateway room.join'] ?? NaN)} ms on average, of which the orchestrator's participant.join took ${ms(seqOn.serverMeansMs['orchestrator participant.join'] ?? NaN)} ms${seqOff ? `; without the rooms service the same join took ${ms(seqOff.joinMs.p50)} ms (p50) and ${ms(seqOff.serverMeansMs['gateway room.join'] ?? NaN)} ms in the gateway, so authorizing it cost about ${ms((seqOn.serverMeansMs['gateway room.join'] ?? NaN) - (seqOff.serverMeansMs['gateway room.join'] ?? NaN))} ms` : ''}.`,
    );
  }
  const bursts = results.joins.filter((r) => r.stack === first?.label && r.mode === 'burst');
  if (bursts.length) {
    const busy = Math.min(...bursts.map((r) => r.machineBusyCores));
    const smallest = Math.min(...bursts.map((r) => r.clients));
    const lines = bursts.map((r) => {
      const z = cpuPerClient(r);
      const floor = ((r.clients / 2) * z) / cores;
      return `${r.name}: ${ms(z)} ms of CPU per client, so the median client cannot be ready before about ${int(floor)} ms (half the clients' CPU over ${cores} cores); measured ready p50 ${ms(r.readyMs.p50)} ms, join p50 ${ms(r.joinMs.p50)} ms`;
    });
    out.push(
      `- **Bursts** saturate this machine (at least ${busy.toFixed(2)} of ${cores} cores busy in every burst), so a join's latency there is mostly its wait for CPU. All the measured processes together (gateways, orchestrator, SFU node, rooms service, clients; PostgreSQL, NATS and Redis not counted) use per client: ${lines.join('; ')}. By the same estimate, a join p50 of ${GOALS.joinP50Ms} ms in a burst of ${smallest} would need the work up to the join ack to cost at most about ${ms((GOALS.joinP50Ms * cores) / (smallest / 2))} ms of CPU per client on ${cores} cores.`,
    );
  }
  const failed = results.joins.filter((r) => r.failures > 0);
  if (failed.length) {
    out.push(
      `- **Failed joins**: ${failed.map((r) => `${r.failures} of ${r.clients} in ${r.stack}, ${r.name}`).join('; ')}. The clients were answered ${[...new Set(failed.flatMap((r) => r.errors.map((e) => e.replace(/^\d+× /, ''))))].join(' / ')}; the services logged ${[...new Set(failed.flatMap((r) => r.serverErrors.map((e) => e.replace(/^\d+× /, '').replace(/test\.[a-z0-9]+\./g, ''))))].map((e) => `\`${e.replaceAll('`', "'")}\``).join('; ') || 'nothing at error level'} (see above).`,
    );
  }
  for (const f of results.fanout) {
    for (const sum of f.summaries) {
      const cascadeRuns = f.runs.filter(
        (r) => r.instances === sum.instances && r.system === 'cascade',
      );
      const rooms = cascadeRuns
        .map((r) => r.cpuMs['rooms'])
        .filter((v): v is number => v !== undefined);
      const roomsNote = rooms.length
        ? ` During each Cascade measurement the rooms service used ${int(Math.min(...rooms))}–${int(Math.max(...rooms))} ms of CPU storing the chat messages it receives over NATS (PostgreSQL's share not counted), on the same cores, which the baseline has no counterpart for.`
        : '';
      out.push(
        `- **Fan-out, ${f.stack}, ${sum.instances} instance${sum.instances > 1 ? 's' : ''}**: ${sum.ratio.toFixed(2)}× the baseline's rate; the gateways' CPU per delivered event is ${pct(sum.cascadeServerCpuMsPer1000Events / sum.baselineServerCpuMsPer1000Events - 1)} against the bare servers' (${ms(sum.cascadeServerCpuMsPer1000Events)} vs ${ms(sum.baselineServerCpuMsPer1000Events)} ms per 1,000 events).${roomsNote}`,
      );
    }
  }
  return out.length ? `## Reading the results\n\n${out.join('\n')}\n\n` : '';
}

function joinTable(joins: JoinScenarioResult[]): string {
  return table(
    [
      'stack',
      'scenario',
      'connect p50 / p99',
      'join p50',
      'join p95',
      'join p99',
      'join max',
      'ready p50',
      'ready p95',
      'ready p99',
      'ready max',
      'ack → ready p50 / p99',
      'wall',
      'consumers',
      'failed',
    ],
    joins.map((r) => [
      r.stack,
      r.name,
      `${ms(r.connectMs.p50)} / ${ms(r.connectMs.p99)}`,
      ms(r.joinMs.p50),
      ms(r.joinMs.p95),
      ms(r.joinMs.p99),
      ms(r.joinMs.max),
      ms(r.readyMs.p50),
      ms(r.readyMs.p95),
      ms(r.readyMs.p99),
      ms(r.readyMs.max),
      `${ms(r.mediaMs.p50)} / ${ms(r.mediaMs.p99)}`,
      ms(r.wallMs),
      `${r.consumersCreated}/${r.consumersExpected}`,
      String(r.failures),
    ]),
    2,
  );
}

const SERVICES = ['gateway', 'sfu-orchestrator', 'sfu-node', 'rooms', 'bench'];

/** Server-side means and CPU per process over each scenario's timed phase. */
function breakdownTable(joins: JoinScenarioResult[]): string {
  return table(
    [
      'stack',
      'scenario',
      'client join mean',
      'gateway room.join mean',
      'orchestrator participant.join mean',
      'gateway transport.create mean',
      'gateway consumer.create mean',
      'orchestrator consumer.prepare mean',
      ...SERVICES.map((s) => `CPU ms: ${s}`),
      'CPU ms per client',
      'clients ready per s',
      'machine busy (cores)',
    ],
    joins.map((r) => [
      r.stack,
      r.name,
      ms(r.joinMs.mean),
      ms(r.serverMeansMs['gateway room.join'] ?? NaN),
      ms(r.serverMeansMs['orchestrator participant.join'] ?? NaN),
      ms(r.serverMeansMs['gateway transport.create'] ?? NaN),
      ms(r.serverMeansMs['gateway consumer.create'] ?? NaN),
      ms(r.serverMeansMs['orchestrator consumer.prepare'] ?? NaN),
      ...SERVICES.map((s) => int(r.cpuMs[s])),
      ms(cpuPerClient(r)),
      ms(((r.clients - r.failures) / r.wallMs) * 1000),
      Number.isFinite(r.machineBusyCores) ? r.machineBusyCores.toFixed(2) : '–',
    ]),
    2,
  );
}

function failures(joins: JoinScenarioResult[]): string {
  const failed = joins.filter((r) => r.failures > 0 || r.serverErrors.length > 0);
  if (!failed.length) return '';
  return `### Failed joins and service errors

Percentiles above are over the joins that succeeded. What the failed ones were answered, and the error lines the services logged during the scenario:

${failed
  .map(
    (r) =>
      `- ${r.stack}, ${r.name}: ${r.failures} of ${r.clients} failed${r.errors.length ? ` — ${r.errors.join('; ')}` : ''}${r.serverErrors.length ? `; logged: ${r.serverErrors.map((e) => `\`${e.replaceAll('`', "'")}\``).join('; ')}` : ''}`,
  )
  .join('\n')}

`;
}

/** The same scenario with and without the rooms service: what authorizing joins costs. */
function roomsShare(joins: JoinScenarioResult[], stacks: StackDescription[]): string {
  const withRooms = stacks.find((s) => s.rooms)?.label;
  const without = stacks.find((s) => !s.rooms)?.label;
  if (!withRooms || !without) return '';
  const rows: string[][] = [];
  for (const a of joins.filter((j) => j.stack === withRooms)) {
    const b = joins.find((j) => j.stack === without && j.name === a.name);
    if (!b) continue;
    rows.push([
      a.name,
      `${ms(a.joinMs.p50)} / ${ms(b.joinMs.p50)}`,
      ms(a.joinMs.p50 - b.joinMs.p50),
      `${ms(a.joinMs.p99)} / ${ms(b.joinMs.p99)}`,
      ms(a.joinMs.p99 - b.joinMs.p99),
      `${a.failures} / ${b.failures}`,
    ]);
  }
  if (!rows.length) return '';
  return `### Share of the rooms service (join authorization)

The same scenarios on the second stack (\`GATEWAY_AUTHORIZE_JOINS=false\`, no rooms service nor PostgreSQL), later in the same run: the difference is roughly what the \`rooms.authorize-join\` NATS request (a seat granted in a PostgreSQL transaction that locks the room's row) adds to a join, on this machine where the rooms service and its database compete for the same cores.

${table(['scenario', 'join p50 on / off (ms)', 'p50 difference', 'join p99 on / off (ms)', 'p99 difference', 'failed on / off'], rows)}

`;
}

function fanoutTables(fanout: FanoutResult[]): string {
  const summaries = fanout.flatMap((f) => f.summaries);
  const runs = fanout.flatMap((f) => f.runs);
  const summary = table(
    [
      'stack',
      'gateway instances',
      'Cascade events/s (median)',
      'baseline events/s (median)',
      'Cascade / baseline',
      'per round',
      'delivery p50 ms, Cascade / baseline',
      'delivery p99 ms, Cascade / baseline',
      'server CPU ms per 1,000 events, Cascade / baseline',
    ],
    summaries.map((s) => [
      s.stack,
      String(s.instances),
      int(s.cascadeEventsPerSecond),
      int(s.baselineEventsPerSecond),
      `${s.ratio.toFixed(2)}× ${mark(s.ratio >= GOALS.fanoutRatio)}`,
      s.roundRatios.map((r) => r.toFixed(2)).join(', '),
      `${ms(s.cascadeLatencyP50Ms)} / ${ms(s.baselineLatencyP50Ms)}`,
      `${ms(s.cascadeLatencyP99Ms)} / ${ms(s.baselineLatencyP99Ms)}`,
      `${ms(s.cascadeServerCpuMsPer1000Events)} / ${ms(s.baselineServerCpuMsPer1000Events)}`,
    ]),
    2,
  );
  const every = table(
    [
      'stack',
      'instances',
      'round',
      'system',
      'events/s',
      'delivered',
      'incomplete receivers',
      'ack failures',
      'elapsed ms',
      'sent in ms',
      'delivery p50 / p99 / max ms',
      'CPU ms: gateways',
      'baseline servers',
      'rooms',
      'bench (clients)',
      'machine busy (cores)',
      'waited for quiet, ms',
      'payload bytes',
    ],
    runs.map((r) => [
      r.stack,
      String(r.instances),
      String(r.round),
      r.system,
      int(r.eventsPerSecond),
      `${r.deliveredEvents}/${r.expectedEvents}`,
      String(r.receiversIncomplete),
      String(r.ackFailures),
      ms(r.elapsedMs),
      ms(r.sendMs),
      `${ms(r.latencyMs.p50)} / ${ms(r.latencyMs.p99)} / ${ms(r.latencyMs.max)}`,
      int(r.cpuMs['gateway']),
      int(r.cpuMs['baseline-server']),
      int(r.cpuMs['rooms']),
      int(r.benchCpuMs),
      r.machineBusyCores.toFixed(2),
      int(r.quiesceMs),
      String(r.payloadBytes),
    ]),
    4,
  );
  return `${summary}

Every measurement (CPU over the measurement, from /proc; the idle system's servers keep running during the other's measurement):

${every}`;
}

function markdown(
  results: BenchResults,
  c: {
    date: string;
    machine: BenchMachine;
    node: string;
    versions: Record<string, string>;
    elapsedSeconds: number;
  },
  goals: Verdict[],
  info: RunInfo,
): string {
  const m = c.machine;
  const main = results.stacks[0];
  const f = results.fanout[0]?.settings;
  const publishers = results.joins[0]?.publishersPerRoom ?? 0;
  const stacks = results.stacks
    .map(
      (s) =>
        `  - **${s.label}**: ${s.gateways} gateway instances, ${s.sfuNodes} SFU node(s) (1 mediasoup worker each, \`SFU_MAX_STREAMS=${s.sfuMaxStreams}\`), the orchestrator, ${s.rooms ? 'the rooms service (authorizing joins, storing chat) with its PostgreSQL database' : 'no rooms service nor PostgreSQL (`GATEWAY_AUTHORIZE_JOINS=false`; chat activity is published on NATS to nobody)'}, NATS and Redis; gateway environment ${Object.entries(
          s.gatewayEnv,
        )
          .map(([k, v]) => `\`${k}=${v}\``)
          .join(
            ', ',
          )}, otherwise defaults (\`LOG_LEVEL=info\`). Idle, the stack's processes kept ${s.idleStackCores.toFixed(2)} cores busy (the whole machine ${s.idleMachineCores.toFixed(2)}); every measurement (join scenario, fan-out round) starts once the stack's processes are back under ${(s.idleStackCores + QUIET_MARGIN).toFixed(2)} cores over 250 ms (at most 10 s of waiting), so that one measurement's leftovers (the rooms service storing chat, sessions being cleaned up) do not land in the next.`,
    )
    .join('\n');
  return `# Gateway signaling benchmark

Join latency through two gateway instances and event fan-out through the Socket.IO Redis adapter, beside a bare Socket.IO + Redis-adapter baseline measured in the same run. Every process is real and on this machine (loopback): the clients are raw \`socket.io-client\` sockets in the benchmark's process; the services are spawned from their \`dist/\` builds by \`startCascadeStack\` (services/gateway/test/support/stack.ts).

> The machine is shared and noisy, and small: ${m.cores} cores for the benchmark's clients, both gateways, the orchestrator, the SFU node, the rooms service, PostgreSQL, NATS and Redis. Absolute figures move from run to run. The fan-out ratio is measured side by side in one run, alternating which system goes first in each round.

## Goals

${table(
  ['scenario', 'measured', 'goal', 'met?'],
  goals.map((g) => [g.scenario, g.measured, g.goal, mark(g.met)]),
  1,
)}

Join goals are checked on the bursts through the first stack (${main?.label ?? '–'}); the one-at-a-time rows and the stack without the rooms service are context (below).

${reading(results)}## Join latency

Each scenario uses fresh rooms, each seeded first with ${publishers} publisher(s) of 2 producers (Opus microphone, VP8 camera) on a send transport that never connects (mediasoup accepts producers on an unconnected transport). Client *i* goes to gateway *i* mod 2 and room *i* mod rooms; its join token is minted before the clock starts. For every client (milliseconds, from its \`io()\` call):

- **connect**: the socket's \`connect\` (WebSocket upgrade, handshake, join token verified against the JWKS);
- **join**: the \`room.join\` acknowledgement (rooms authorize-join over NATS, orchestrator placement, session in Redis, \`participant.joined\` to the room, JoinResult);
- **ready** ("all consumers ready", signaling only): after the join ack, \`transport.create\` (recv), then one \`consumer.create\` per producer in the JoinResult, sent together; ready is the last ack (each is an orchestrator \`consumer.prepare\` and a node \`consumer.create\`). No ICE/DTLS: no media flows.

In a **burst**, every client starts at once (\`Promise.all\`); **one at a time** starts the next client when the previous one is ready (everyone stays in the room). *Wall* runs from the first \`io()\` to the last client ready. After each scenario every client sends \`room.leave\` and disconnects, and the benchmark waits 1 s. Before the first scenario on each stack, ${info.warmupJoins} joins in 2 rooms warm the fresh processes up (not recorded).

${joinTable(results.joins)}

${failures(results.joins)}### Where the time goes

Means over each scenario's timed phase (milliseconds), from the services' own Prometheus histograms (\`gateway_request_duration_seconds\` of both instances, \`orchestrator_request_duration_seconds\`), scraped before and after; the gateway's room.join includes the rooms authorization and the orchestrator's participant.join. CPU: user + system time of each service's processes (both gateways together) and of the benchmark's process (the clients) over the same phase, from /proc (PostgreSQL, NATS and Redis are not in it); *CPU ms per client* is their sum over the clients. Machine busy: all cores, from /proc/stat (${m.cores} = saturated): in a burst the machine is saturated, so a join's latency there is mostly its wait for CPU, and *clients ready per s* is about what this machine can do.

${breakdownTable(results.joins)}

${roomsShare(results.joins, results.stacks)}## Event fan-out through the Redis adapter

${
  results.fanout.length && f
    ? `${f.receivers} receiving sockets in one room and one sender (also in the room, and receiving, in both systems). The sender sends ${f.messages} \`chat.send\` requests of ${f.textBytes}-character text, keeping ${f.window} in flight (the next as soon as an ack comes back); a measurement runs from the first send until every receiver got every message (${f.receivers} × ${f.messages} = ${(f.receivers * f.messages).toLocaleString('en')} events). **events/s** = delivered events / that time. ${f.warmupMessages} warm-up messages per system before the rounds; ${f.rounds} rounds alternating which system goes first; the median is reported. Run on each stack (with a baseline of its own beside it).

- **Cascade**: the gateway's \`chat.send\` (request pipeline: rate limit, JSON size, grant, schema, session; then \`io.to(room).emit('chat.message')\` through the Redis adapter, a \`chat.message\` roomActivity published on NATS (which the rooms service stores in PostgreSQL when it runs), and the ack). With 1 instance every socket is on gateway 1; with 2, the receivers alternate between the gateways and the sender is on gateway 1. The second gateway runs in both cases (with 1 instance it gets every broadcast from Redis and has nobody to deliver it to).
- **Baseline**: \`bench/baseline-server.ts\`, a plain Socket.IO ${c.versions['socket.io']} server with \`@socket.io/redis-adapter\` ${c.versions['@socket.io/redis-adapter']} on the same Redis (an adapter key of its own), with the gateway's server options, in two processes of its own as the gateway instances are (not in the benchmark's process, whose event loop runs all the clients); the sockets are split between them exactly as between the gateways. A socket joins the room named in its handshake; \`chat.send\` with an ack emits a \`chat.message\` of the gateway's shape (messageId, participantId, userId, displayName, text, at, same lengths: see payload bytes) with \`io.to(room).emit\` and acks \`{ ok: true, data: { messageId, at } }\`. Same client code, client count, message count, window and text.
- **Delivery latency**: from sending a message to its arrival at each receiver (all ${(f.receivers * f.messages).toLocaleString('en')} pairs), so under load it includes queueing behind earlier messages. **Server CPU**: user + system time of the system's two server processes (both gateways, or both baseline servers) over the measurement, per 1,000 delivered events (10 ms ticks); it excludes Redis, NATS and the rooms service, which are in the table of every measurement.

${fanoutTables(results.fanout)}`
    : 'Not run (`--no-fanout`).'
}

## Conditions

- Date: ${c.date}; the whole run took ${c.elapsedSeconds.toFixed(1)} s (stacks started and stopped included)
- Machine: ${m.cpuModel}, ${m.cores} cores, ${m.totalMemoryGiB.toFixed(1)} GiB, kernel ${m.kernel}, load average at start ${m.loadAverageAtStart.map((v) => v.toFixed(2)).join(' ')}
- Node ${c.node}; ${Object.entries(c.versions)
    .map(([k, v]) => `${k} ${v}`)
    .join(', ')}
- Stacks, one after the other, each with a PostgreSQL database, Redis key prefix and NATS subject prefix of its own, with the test stack's settings (orchestrator with the fast timings of \`FAST_ORCHESTRATOR\`, SFU heartbeats every 300 ms, resume grace 3 s):
${stacks}
- Rate limit: the gateway's per-socket token bucket (default 20 requests/s, burst 40) is raised as above for the whole run, so that the fan-out's single sender is not throttled (a joining client sends at most ${3 + publishers * 2} requests, well within the default burst, so the join figures would be the same with the default).
- SFU capacity: \`SFU_MAX_STREAMS=${main?.sfuMaxStreams ?? '–'}\`: the orchestrator reserves up to 2·(1 + 25) streams per join until a heartbeat reports the node's real load, so a burst of 200 joins into one room would be refused (CAPACITY_EXHAUSTED) by a node of the default 2,000 streams although these clients send no media. Placement's capacity model is not what this measures.
- Rooms: \`ROOMS_MAX_CAPACITY=100000\` and each room created with a capacity above its clients, so that no join is refused as ROOM_FULL.
- Clients: one \`socket.io-client\` ${c.versions['socket.io-client']} socket each (WebSocket transport, \`forceNew\`), all in the benchmark's Node process, which competes with the servers for the cores (its CPU is in the tables): on this machine the clients are a large part of what a fan-out measurement costs, which narrows the difference between the two systems' rates; the server CPU per event shows the servers' own cost.
- Re-run: \`npm run bench -w @cascade/gateway\` (after \`npm run build\`); sizes by flags or \`GATEWAY_BENCH_*\` variables, listed in services/gateway/bench/signaling.ts.
`;
}
