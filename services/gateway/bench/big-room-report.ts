import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join } from 'node:path';

import { type BenchMachine, REPO_ROOT, writeFormatted } from '@cascade/testing';

import type { PublisherWindow } from './big-room-publishers';
import type { ModeWindow } from './big-room-sample';
import { median } from './stats';

export interface BigRoomSettings {
  participants: number;
  /** Room sizes (participants, publishers included) at which both modes are measured. */
  sizes: number[];
  publishers: number;
  lastN: number;
  tile: { width: number; height: number };
  windowSeconds: number;
  settleSeconds: number;
  sfuNodes: number;
  gateways: number;
  sfuMaxStreams: number;
  stickyThreshold: number;
  /** Joins in each p50 window of the join-time goal. */
  joinWindow: number;
}

export interface JoinRecord {
  /** Position in the room (1 = the first to join). */
  ordinal: number;
  kind: 'publisher' | 'receiver';
  nodeId?: string;
  /** `room.join` sent to its ack (NaN for publishers: the SDK's join is not split up). */
  joinMs: number;
  readyMs: number;
}

export type Mode = 'everyone' | 'lastN';
export const MODES: Mode[] = ['everyone', 'lastN'];

export type ModeSample = ModeWindow & {
  /** What the publishers' cameras sent meanwhile, from their own sender stats. */
  publishers: PublisherWindow;
};

export interface SizeSample {
  size: number;
  receivers: number;
  modes: Record<Mode, ModeSample>;
}

/** The gateways' mean time to answer room.join over joins `from`–`to` (their histogram). */
export interface ServerJoinWindow {
  from: number;
  to: number;
  count: number;
  meanMs: number;
  /** Of it, the orchestrator's mean time for participant.join (placement), its own histogram. */
  placementMeanMs: number;
}

export interface BigRoomResults {
  machine: BenchMachine;
  settings: BigRoomSettings;
  roomId: string;
  joins: JoinRecord[];
  serverJoinMs: ServerJoinWindow[];
  samples: SizeSample[];
  elapsedSeconds: number;
}

/** Below this exponent of forwarding cost in room size, growth counts as linear (2 = quadratic). */
const LINEAR_EXPONENT_MAX = 1.5;
/** The 300th join's p50 may be at most this many times the 10th's. */
const JOIN_RATIO_MAX = 1.5;

const sum = (values: number[]) => values.reduce((a, b) => a + b, 0);
const f0 = (v: number) => (Number.isFinite(v) ? Math.round(v).toLocaleString('en') : '–');
const f1 = (v: number) => (Number.isFinite(v) ? v.toFixed(1) : '–');
const f2 = (v: number) => (Number.isFinite(v) ? v.toFixed(2) : '–');
const mark = (ok: boolean) => (ok ? '✓' : '✗');

function table(header: string[], body: string[][]): string {
  const align = header.map((_, i) => (i === 0 ? '---' : '---:'));
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

function commit(): string {
  try {
    return execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: REPO_ROOT })
      .toString()
      .trim();
  } catch {
    return 'unknown';
  }
}

/** Least-squares slope of log(y) over log(x): the exponent k of y ∝ x^k. */
export function exponent(points: Array<[number, number]>): number {
  const valid = points.filter(([x, y]) => x > 0 && y > 0);
  if (valid.length < 2) return NaN;
  const xs = valid.map(([x]) => Math.log(x));
  const ys = valid.map(([, y]) => Math.log(y));
  const mx = sum(xs) / xs.length;
  const my = sum(ys) / ys.length;
  const cov = sum(xs.map((x, i) => (x - mx) * (ys[i]! - my)));
  const varX = sum(xs.map((x) => (x - mx) ** 2));
  return cov / varX;
}

const forwarded = (m: ModeSample) => sum(m.nodes.map((n) => n.forwardedPps));
const workerCpu = (m: ModeSample) => sum(m.nodes.map((n) => n.workerCpuPercent));
const maxNodePps = (m: ModeSample) => Math.max(...m.nodes.map((n) => n.forwardedPps));
const flowing = (m: ModeSample) => sum(m.nodes.map((n) => n.flowingConsumers));
/** Streams the busiest node forwards: its consumers that flow. */
const maxNodeFlowing = (m: ModeSample) => Math.max(...m.nodes.map((n) => n.flowingConsumers));
/** Packets/s of one forwarded stream: how fast the publishers' encoders happen to run. */
const perStream = (m: ModeSample) => forwarded(m) / flowing(m);

/** What the publishers' media looked like over every window: what limits this run's figures. */
function mediaCaveats(r: BigRoomResults) {
  const windows = r.samples.flatMap((s) => MODES.map((mode) => s.modes[mode]));
  const packetsByEncoding: Record<string, number> = {};
  const limitations: Record<string, number> = {};
  for (const w of windows) {
    for (const [rid, e] of Object.entries(w.publishers.encodings))
      packetsByEncoding[rid] = (packetsByEncoding[rid] ?? 0) + e.packetsPerSecond * w.seconds;
    for (const [reason, n] of Object.entries(w.publishers.limitations))
      limitations[reason] = (limitations[reason] ?? 0) + n;
  }
  const flowingTotal = sum(windows.map((w) => flowing(w as ModeSample)));
  const silent = sum(
    windows.map((w) => sum(w.nodes.map((n) => n.flowingConsumers - n.sendingConsumers))),
  );
  return {
    /** Packets each simulcast encoding sent over all the windows together. */
    packetsByEncoding,
    limitations,
    /** Per camera, the publishers' mean packets/s over the windows. */
    cameraPps: median(windows.map((w) => w.publishers.packetsPerSecond / r.settings.publishers)),
    /** Share of flowing consumers that sent nothing in their window, over all windows. */
    silentShare: silent / flowingTotal,
    machineBusyCores: median(windows.map((w) => w.machineBusyCores)),
  };
}

/** Everything the report states, computed from the run's data. */
export function analyse(r: BigRoomResults) {
  const growth = MODES.map((mode) => {
    const of = (pick: (m: ModeSample) => number) =>
      exponent(r.samples.map((s) => [s.size, pick(s.modes[mode])]));
    return {
      mode,
      forwardedExponent: of(forwarded),
      busiestNodeExponent: of(maxNodePps),
      flowingExponent: of(flowing),
      busiestNodeFlowingExponent: of(maxNodeFlowing),
      consumersExponent: of((m) => sum(m.nodes.map((n) => n.consumers))),
      workerCpuExponent: of(workerCpu),
      packetsPerReceiver: r.samples.map((s) => forwarded(s.modes[mode]) / s.receivers),
      packetsPerStream: r.samples.map((s) => perStream(s.modes[mode])),
    };
  });
  const receiverJoins = r.joins.filter((j) => j.kind === 'receiver');
  const last = Math.max(...r.joins.map((j) => j.ordinal));
  const w = r.settings.joinWindow;
  const windowOf = (from: number, to: number) =>
    receiverJoins.filter((j) => j.ordinal >= from && j.ordinal <= to);
  const early = windowOf(6, 5 + w);
  const late = windowOf(last - w + 1, last);
  const p50 = (js: JoinRecord[], key: 'joinMs' | 'readyMs') => median(js.map((j) => j[key]));
  const joins = {
    earlyRange: [6, 5 + w] as [number, number],
    lateRange: [last - w + 1, last] as [number, number],
    earlyJoinP50Ms: p50(early, 'joinMs'),
    lateJoinP50Ms: p50(late, 'joinMs'),
    earlyReadyP50Ms: p50(early, 'readyMs'),
    lateReadyP50Ms: p50(late, 'readyMs'),
    ratio: p50(late, 'joinMs') / p50(early, 'joinMs'),
    serverEarlyMeanMs: r.serverJoinMs.find((w) => w.from === 6)?.meanMs ?? NaN,
    serverLateMeanMs: r.serverJoinMs.find((w) => w.to === last)?.meanMs ?? NaN,
    placementEarlyMeanMs: r.serverJoinMs.find((w) => w.from === 6)?.placementMeanMs ?? NaN,
    placementLateMeanMs: r.serverJoinMs.find((w) => w.to === last)?.placementMeanMs ?? NaN,
  };
  const lastSample = r.samples[r.samples.length - 1]!;
  const savings = r.samples.map((s) => ({
    size: s.size,
    forwarded: 1 - forwarded(s.modes.lastN) / forwarded(s.modes.everyone),
    clientKbps: 1 - s.modes.lastN.clientKbps.mean / s.modes.everyone.clientKbps.mean,
    workerCpu: 1 - workerCpu(s.modes.lastN) / workerCpu(s.modes.everyone),
  }));
  const lastNGrowth = growth.find((g) => g.mode === 'lastN')!;
  const goals = [
    {
      goal: `forwarding cost per node grows linearly in participants (view-driven last-N: on the busiest node, the exponent k of streams forwarded ∝ size^k and of packets/s forwarded ∝ size^k are both < ${LINEAR_EXPONENT_MAX}; 1 = linear, 2 = quadratic)`,
      measured: `streams k = ${f2(lastNGrowth.busiestNodeFlowingExponent)}, packets/s k = ${f2(lastNGrowth.busiestNodeExponent)} (all nodes together ${f2(lastNGrowth.flowingExponent)} and ${f2(lastNGrowth.forwardedExponent)})`,
      met:
        lastNGrowth.busiestNodeFlowingExponent < LINEAR_EXPONENT_MAX &&
        lastNGrowth.busiestNodeExponent < LINEAR_EXPONENT_MAX,
    },
    {
      goal: `the ${last}th join is no slower than the 10th (room.join p50 of joins ${joins.lateRange.join('–')} ≤ ${JOIN_RATIO_MAX}× that of joins ${joins.earlyRange.join('–')})`,
      measured: `${f1(joins.lateJoinP50Ms)} ms vs ${f1(joins.earlyJoinP50Ms)} ms: ${f2(joins.ratio)}× (the gateways' own mean: ${f1(joins.serverLateMeanMs)} ms vs ${f1(joins.serverEarlyMeanMs)} ms, ${f2(joins.serverLateMeanMs / joins.serverEarlyMeanMs)}×)`,
      met: joins.ratio <= JOIN_RATIO_MAX,
    },
  ];
  return {
    growth,
    joins,
    savings,
    goals,
    lastSample,
    spansNodes: lastSample.modes.lastN.nodes.filter((n) => n.participants > 0).length,
    media: mediaCaveats(r),
  };
}

/**
 * The per-size table: one column per figure, so that a figure measured later (dynacast's saving
 * in publisher upload, once it lands) is one more entry here.
 */
const COLUMNS: Array<{ title: string; cell: (m: ModeSample) => string }> = [
  {
    title: 'consumers (flowing, sent in the window)',
    cell: (m) =>
      `${f0(sum(m.nodes.map((n) => n.consumers)))} (${f0(flowing(m))}, ${f0(sum(m.nodes.map((n) => n.sendingConsumers)))})`,
  },
  { title: 'forwarded pkt/s, all nodes', cell: (m) => f0(forwarded(m)) },
  { title: 'pkt/s per flowing stream', cell: (m) => f1(perStream(m)) },
  {
    title: 'forwarded pkt/s per node',
    cell: (m) => m.nodes.map((n) => f0(n.forwardedPps)).join(' / '),
  },
  {
    title: 'worker CPU % per node',
    cell: (m) => m.nodes.map((n) => f0(n.workerCpuPercent)).join(' / '),
  },
  {
    title: 'per client kbit/s (p50, max)',
    cell: (m) => `${f0(m.clientKbps.p50)}, ${f0(m.clientKbps.max)}`,
  },
  { title: 'per client pkt/s (p50)', cell: (m) => f0(m.clientPps.p50) },
  {
    title: 'publishers’ camera upload kbit/s (pkt/s)',
    cell: (m) => `${f0(m.publishers.uploadKbps)} (${f0(m.publishers.packetsPerSecond)})`,
  },
  {
    title: 'encoders limited by',
    cell: (m) =>
      Object.entries(m.publishers.limitations)
        .map(([k, v]) => `${k} ${v}`)
        .join(', '),
  },
  { title: 'machine busy cores', cell: (m) => f2(m.machineBusyCores) },
];

function caveats(r: BigRoomResults, a: ReturnType<typeof analyse>): string {
  const m = a.media;
  const encodings = Object.entries(m.packetsByEncoding)
    .map(([rid, n]) => `${rid} ${f0(n)}`)
    .join(', ');
  const reasons = Object.entries(m.limitations)
    .map(([k, n]) => `${k} ${n}`)
    .join(', ');
  return `- The machine is shared: median ${f2(m.machineBusyCores)} of ${r.machine.cores} cores busy over the windows, whole machine (load average ${r.machine.loadAverageAtStart.map(f1).join(' ')} at the start; other work shares it).
- The publishers' encoders report their limitation (count of encodings over all windows): ${reasons}. Packets each simulcast encoding sent in all windows together: ${encodings}. An encoding with none was off for the whole run: then every consumer, however large its tile, gets the lower layer, and the layer part of last-N's saving (small tiles at the low layer) does not show here; only the count part (${r.settings.lastN} videos of ${r.settings.publishers}) does.
- A camera sent ${f1(m.cameraPps)} packets/s (median over the windows); a flowing stream forwarded fewer (*pkt/s per flowing stream*): ${f0(m.silentShare * 100)} % of the flowing consumers sent nothing in their window (a consumer resumed by a view change forwards from its layer's next key frame on), and the others forward what the encoders send of their layer.`;
}

function markdown(
  r: BigRoomResults,
  a: ReturnType<typeof analyse>,
  conditions: Record<string, unknown>,
): string {
  const s = r.settings;
  const label = { everyone: 'everyone subscribes', lastN: `last-N ${s.lastN}` };
  const perSize = table(
    ['room size', 'mode', ...COLUMNS.map((c) => c.title)],
    r.samples.flatMap((sample) =>
      MODES.map((mode) => [
        String(sample.size),
        label[mode],
        ...COLUMNS.map((c) => c.cell(sample.modes[mode])),
      ]),
    ),
  );
  const growth = table(
    [
      'mode',
      'streams forwarded, busiest node',
      'streams forwarded, all nodes',
      'forwarded pkt/s, busiest node',
      'forwarded pkt/s, all nodes',
      'worker CPU, all nodes',
      'consumers',
      ...r.samples.map((x) => `pkt/s per receiver at ${x.size}`),
      ...r.samples.map((x) => `pkt/s per stream at ${x.size}`),
    ],
    a.growth.map((g) => [
      label[g.mode],
      f2(g.busiestNodeFlowingExponent),
      f2(g.flowingExponent),
      f2(g.busiestNodeExponent),
      f2(g.forwardedExponent),
      f2(g.workerCpuExponent),
      f2(g.consumersExponent),
      ...g.packetsPerReceiver.map(f1),
      ...g.packetsPerStream.map(f1),
    ]),
  );
  const savings = table(
    ['room size', 'forwarded packets', 'bytes per client', 'worker CPU'],
    a.savings.map((x) => [
      String(x.size),
      `${f0(x.forwarded * 100)} %`,
      `${f0(x.clientKbps * 100)} %`,
      `${f0(x.workerCpu * 100)} %`,
    ]),
  );
  const placed = a.lastSample.modes.lastN.nodes
    .map((n) => `${n.nodeId} ${n.participants}`)
    .join(', ');
  const j = a.joins;
  return `# Big room: view-driven last-N against everyone-subscribes (issue 14)

One room grown to ${s.participants} participants over ${s.sfuNodes} sfu-nodes (participants with a transport on each node at the end: ${placed}), measured at ${s.sizes.join(', ')} participants in two modes side by side, switched back and forth in the same room: **everyone subscribes** (every receiver shows every publisher large) and **last-N ${s.lastN}** (every receiver shows ${s.lastN} publishers in ${s.tile.width}×${s.tile.height} tiles with \`lastN ${s.lastN}\`). Every figure below is computed from this run's data (\`big-room.json\`).

## Goals

${table(
  ['goal', 'measured', 'met?'],
  a.goals.map((g) => [g.goal, g.measured, mark(g.met)]),
)}

Dynacast's saving in publisher upload is **not measured here**: the publishers are the SDK on \`@roamhq/wrtc\`, whose libwebrtc refuses \`RTCRtpSender.setParameters\` on a negotiated sender, so they keep sending every layer (dynacast works in browsers: \`services/gateway/test/dynacast.int.test.ts\` runs a Chromium publisher). The saving is measured by its own benchmark with a Chromium publisher (\`services/gateway/bench/dynacast.ts\`, \`bench-results/dynacast.md\`).

## Who is in the room

- **${s.publishers} real publishers**: the SDK (\`@cascade/client\`) on \`@roamhq/wrtc\` (\`SdkBot\`, one process each), camera only (no microphone: audio in big rooms is item 2's loudest-speakers rule, not what this compares), simulcast ${'480×270 and 240×135'} at 8 fps, subscribing to nothing.
- **${s.participants - s.publishers} cheap receivers**: a raw Socket.IO signaling client each (no WebRTC) that joins through a gateway (alternating between ${s.gateways}), is placed by the orchestrator like anyone, and consumes every publisher's camera through the gateway's \`consumer.create\` (the orchestrator pipes each camera to the receiver's node) and \`consumer.resume\`, then sets its view with \`room.setView\`. Its transport is not WebRTC: the benchmark makes an SRTP PlainTransport for it on its node through the node's control API (the gateway lets no client make one) and points it at a UDP socket of its own on loopback, which counts what arrives and drops it. The node does for it what it does for a browser (one consumer per camera, simulcast layer selection, pause by the view, SRTP encryption, sending); what it omits is ICE/DTLS and receiver feedback (no RTCP receiver reports or bandwidth estimation, so a consumer sends the layer it is told; no NACKs).
- Joins are sequential (one participant fully set up before the next starts), in last-N mode.

## Per room size and mode

Measured over ${s.windowSeconds} s windows after ${s.settleSeconds} s for the views to apply (a key frame, the layer switch). *Consumers*: every consumer of the room on the ${s.sfuNodes} nodes (publishers' cameras to receivers; pipes not counted); *flowing*: neither paused by the client nor by the view. *Forwarded pkt/s*: RTP packets those consumers sent (consumer \`getStats\` through the nodes' \`room.dump\`, before and after the window), per node in order ${a.lastSample.modes.lastN.nodes.map((n) => n.nodeId).join(' / ')}. *Worker CPU*: user + system time of each node's mediasoup worker (one per node) from /proc, % of one core, in 10 ms ticks (over a ${s.windowSeconds} s window 1 % is ${s.windowSeconds / 0.01 / 100} ticks); it includes receiving the publishers and the pipes. *Per client*: what each receiver's UDP socket got (SRTP, RTP and RTCP). *Publishers' camera upload*: the ${s.publishers} publishers' camera \`bytesSent\` from their own sender stats, together.

${perSize}

### What last-N saved, against everyone subscribes at the same size

${savings}

## What this machine let the run show

${caveats(r, a)}

## Growth: linear or quadratic

Exponent *k* of a least-squares fit of cost ∝ size^k over the sizes measured (1 = linear, 2 = quadratic). *Streams forwarded*: the consumers that flow (what the view decides, exact); *forwarded pkt/s*: what they sent, which is streams × the packets/s of one stream, and that second factor is the publishers' encoders' rate, not the room's size: on this machine their sender stats report them limited (see *encoders limited by*), and their rate moves with the machine's load during the run (*pkt/s per stream* below). The forwarded packets per receiver stay bounded when growth is linear. Worker CPU includes fixed costs (receiving the publishers, pipes, the stats calls) and grows less than linearly while they dominate.

${growth}

With ${s.publishers} publishers, even everyone-subscribes is linear here: each receiver consumes ${s.publishers} cameras whatever the room's size. A room where everyone publishes (N² consumers) is not built: each cheap receiver would have to publish too, and ${s.participants}² consumers (${f0(s.participants ** 2)} \`consumer.create\` requests) do not fit this machine. What last-N bounds is the per-receiver constant: at most ${s.lastN} videos at the layer the tile needs, however many publish.

## Join time

\`room.join\` request to its acknowledgement (the receiver placed by the orchestrator, its session stored; the room is told of it just after the answer), p50 over joins ${j.earlyRange.join('–')} and over joins ${j.lateRange.join('–')} (the room full of flowing media by then): **${f1(j.earlyJoinP50Ms)} ms** and **${f1(j.lateJoinP50Ms)} ms** (ratio ${f2(j.ratio)}). Whole set-up of a receiver (connect, join, sink transport, ${s.publishers} consumers created and resumed, view): p50 ${f1(j.earlyReadyP50Ms)} ms and ${f1(j.lateReadyP50Ms)} ms.

The gateways' own time to answer \`room.join\` (mean of their \`gateway_request_duration_seconds\` histogram, scraped before and after each window): ${f1(j.serverEarlyMeanMs)} ms over joins ${j.earlyRange.join('–')} and ${f1(j.serverLateMeanMs)} ms over joins ${j.lateRange.join('–')}; of which the orchestrator's placement (\`participant.join\`, its own histogram) ${f1(j.placementEarlyMeanMs)} ms and ${f1(j.placementLateMeanMs)} ms. The client's figure adds what the gateway does after answering and what the benchmark's process does before it reads the answer: every client is in that one process, so each join's \`participant.joined\` reaches ${s.participants - s.publishers - 1} sockets there (the ${s.participants}th join's event is read ${s.participants - s.publishers - 1} times on the same event loop), which a real client on its own device does not pay; the gateway sends it just after the newcomer's answer (before, it went first, and the benchmark's process read every copy before the answer). The goal is read on the client's figure all the same.

## Conditions

\`\`\`json
${JSON.stringify(conditions, null, 2)}
\`\`\`

- The machine is small and shared: every process (the benchmark's ${s.participants - s.publishers} clients, ${s.publishers} publisher processes encoding video, ${s.gateways} gateways, the orchestrator, ${s.sfuNodes} sfu-nodes and their workers, Redis, NATS) runs on its ${r.machine.cores} cores; absolute figures move from run to run, the comparison is side by side in one room.
- Stack: \`startCascadeStack\` (services/gateway/test/support/stack.ts), rooms service off (a token's room is a room), one mediasoup worker per node, \`SFU_MAX_STREAMS=${s.sfuMaxStreams}\` and sticky threshold ${s.stickyThreshold} so that the room spreads over the nodes; the orchestrator with the test stack's fast timings except node liveness and room leases, which are the product's defaults (a node is stale after 5 s of silence and lost after 10 s: with the tests' 1.5 s and 3 s a saturated machine had a node declared lost mid-run).
- Re-run: \`npm run bench:big-room -w @cascade/gateway\` after \`npx turbo run build\`; flags in services/gateway/bench/big-room.ts.
`;
}

export async function writeBigRoomReport(results: BigRoomResults): Promise<string[]> {
  const dir = join(REPO_ROOT, 'bench-results');
  mkdirSync(dir, { recursive: true });
  const analysis = analyse(results);
  const conditions = {
    date: new Date().toISOString(),
    commit: commit(),
    machine: results.machine,
    loadAverageAtEnd: loadavg(),
    node: process.version,
    versions: {
      mediasoup: version('mediasoup'),
      '@roamhq/wrtc': version('@roamhq/wrtc'),
      'socket.io': version('socket.io'),
    },
    elapsedSeconds: results.elapsedSeconds,
    settings: results.settings,
  };
  const json = join(dir, 'big-room.json');
  const md = join(dir, 'big-room.md');
  await writeFormatted(json, JSON.stringify({ conditions, analysis, results }, null, 2));
  await writeFormatted(md, markdown(results, analysis, conditions));
  return [json, md];
}
