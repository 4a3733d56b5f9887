import { mkdirSync, writeFileSync } from 'node:fs';
import { getPriority } from 'node:os';
import { join, resolve } from 'node:path';

import { type BenchMachine, benchMachine } from '@cascade/testing';

import type { PlacementSettings } from '../src/placement/placement';
import { CPU_AT_CAPACITY, CPU_NOISE } from './cluster';
import {
  BITRATE_PER_STREAM_BPS,
  LAST_N,
  REGIONS,
  ROOM_SIZES,
  STREAMS_PER_PARTICIPANT as S,
  streamsOfRoom,
  streamsOfViewer,
  type World,
} from './population';
import { CHECK_EVERY, HEAP_SLOTS, type StrategyResult } from './simulate';

export const GOALS = { p99DecisionUs: 1_000, maxOverMean: 1.25 };

const REPO_ROOT = resolve(__dirname, '../../..');

const fixed = (v: number, digits: number) => v.toFixed(digits);
const pct = (v: number) => `${(v * 100).toFixed(1)} %`;
const mark = (ok: boolean) => (ok ? '✓' : '✗');

interface Row {
  cells: string[];
}

const HEADER = [
  'strategy',
  'decision p50 µs',
  'p99 µs',
  'max µs',
  'max/mean worker load, end of burst',
  'max/mean of burst additions (workers)',
  'max/mean node load',
  'busiest worker (% capacity)',
  'workers > 100 %',
  'burst joins on busiest node',
  'rooms on > 1 node',
  'pipe pairs per multi-node room',
  'pipe pairs per room',
  'rejected',
];

function rows(results: StrategyResult[]): Row[] {
  return results.map((r) => {
    const goals = r.strategy === 'cascade';
    const p99 = `${fixed(r.latencyUs.p99, 1)}${goals ? ` ${mark(r.latencyUs.p99 < GOALS.p99DecisionUs)}` : ''}`;
    const balance = `${fixed(r.balance.endOfBurst, 3)}${goals ? ` ${mark(r.balance.endOfBurst <= GOALS.maxOverMean)}` : ''}`;
    return {
      cells: [
        r.strategy,
        fixed(r.latencyUs.p50, 1),
        p99,
        fixed(r.latencyUs.max, 1),
        balance,
        fixed(r.balance.burstAdditions, 2),
        fixed(r.balance.nodesEndOfBurst, 3),
        pct(r.maxWorkerLoad),
        String(r.workersOver100),
        String(r.burstJoinsOnBusiestNode),
        pct(r.pipes.multiNodeShare),
        fixed(r.pipes.pairsPerMultiNodeRoom, 2),
        fixed(r.pipes.pairsPerRoom, 3),
        String(r.rejected),
      ],
    };
  });
}

function markdownTable(header: string[], body: string[][], numericFrom = 1): string {
  const align = header.map((_, i) => (i >= numericFrom ? '---:' : '---'));
  return [header, align, ...body].map((cells) => `| ${cells.join(' | ')} |`).join('\n');
}

export function printTable(results: StrategyResult[]): void {
  const body = rows(results).map((r) => r.cells);
  const widths = HEADER.map((h, i) =>
    Math.max(...[h, ...body.map((b) => b[i]!)].map((c) => c.length)),
  );
  const line = (cells: string[]) =>
    cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ');
  console.log(line(HEADER));
  for (const b of body) console.log(line(b));
}

/** `cascade` run again with some settings changed (same world, same run). */
export interface Variant {
  label: string;
  settings: Partial<PlacementSettings>;
  result: StrategyResult;
}

export function writeReport(
  world: World,
  placement: PlacementSettings,
  results: StrategyResult[],
  elapsedMs: number,
  variants: Variant[] = [],
): string[] {
  const dir = join(REPO_ROOT, 'bench-results');
  mkdirSync(dir, { recursive: true });
  const s = world.settings;
  const cascade = results.find((r) => r.strategy === 'cascade');
  const conditions = {
    date: new Date().toISOString(),
    machine: benchMachine(),
    node: process.version,
    /** The process's nice value: other work on the machine delays decisions less at lower values. */
    nice: getPriority(),
    world: {
      ...s,
      maxStreamsPerNode: world.maxStreams,
      maxStreamsPerWorker: world.maxStreams / s.workersPerNode,
      maxBitrateOutBpsPerNode: world.maxBitrateOutBps,
      ...world.stats,
    },
    placement,
    elapsedSeconds: elapsedMs / 1000,
  };
  const goals = cascade
    ? {
        p99DecisionUnder1ms: cascade.latencyUs.p99 < GOALS.p99DecisionUs,
        maxOverMeanAtMost1_25: cascade.balance.endOfBurst <= GOALS.maxOverMean,
      }
    : undefined;
  const json = join(dir, 'orchestrator-placement.json');
  const markdown = join(dir, 'orchestrator-placement.md');
  writeFileSync(json, `${JSON.stringify({ conditions, goals, results, variants }, null, 2)}\n`);
  writeFileSync(markdown, renderMarkdown(world, conditions, results, variants));
  return [json, markdown];
}

function renderMarkdown(
  world: World,
  conditions: {
    date: string;
    machine: BenchMachine;
    node: string;
    nice: number;
    placement: PlacementSettings;
    elapsedSeconds: number;
  },
  results: StrategyResult[],
  variants: Variant[],
): string {
  const s = world.settings;
  const st = world.stats;
  const m = conditions.machine;
  const p = conditions.placement;
  const sizes = markdownTable(
    ['people per room', 'share', 'rooms', 'participants'],
    st.roomsBySize.map((b) => [
      b.sizes,
      pct(b.share),
      b.rooms.toLocaleString('en'),
      b.participants.toLocaleString('en'),
    ]),
  );
  const detail = markdownTable(
    [
      'strategy',
      'decision mean µs',
      'p90 µs',
      'max/mean before the burst',
      'busiest node (% capacity)',
      'mean load',
      'workers > 90 %',
      'nodes that got burst joins',
      'nodes per 100+ room (webinars apart)',
      'pipe consumers (share of streams)',
      'simulated in s',
      'pre-burst subset checks (mismatched/checked)',
    ],
    results.map((r) => [
      r.strategy,
      fixed(r.latencyUs.mean, 1),
      fixed(r.latencyUs.p90, 1),
      fixed(r.balance.preBurst, 3),
      pct(r.maxNodeLoad),
      pct(r.meanLoad),
      String(r.workersOver90),
      String(r.nodesReceivingBurstJoins),
      fixed(r.pipes.nodesPerLargeRoom, 1),
      pct(r.pipes.pipeConsumerShare),
      fixed(r.simulationSeconds, 1),
      r.prePopulationChecks.checked
        ? `${r.prePopulationChecks.mismatched}/${r.prePopulationChecks.checked}`
        : '–',
    ]),
  );
  const cascade = results.find((r) => r.strategy === 'cascade');
  const verdict = cascade
    ? `Goals for \`cascade\`: p99 decision under 1 ms — ${fixed(cascade.latencyUs.p99, 1)} µs ${mark(cascade.latencyUs.p99 < GOALS.p99DecisionUs)}; max/mean worker load at most 1.25 at the end of the burst — ${fixed(cascade.balance.endOfBurst, 3)} ${mark(cascade.balance.endOfBurst <= GOALS.maxOverMean)}.`
    : '';
  return `# Orchestrator placement simulation

${s.nodes.toLocaleString('en')} SFU nodes of ${s.workersPerNode} workers in ${REGIONS.length} regions, ${s.rooms.toLocaleString('en')} rooms and ${world.webinarRooms.length} webinars of ${st.webinarSpeakers} speakers and ${st.webinarViewers.toLocaleString('en')} viewers (${st.prePopulationParticipants.toLocaleString('en')} participants), then a burst of ${world.burst.room.length.toLocaleString('en')} joins in ${s.burstMs / 1000} s while the orchestrator sees node statistics refreshed only every ${s.heartbeatMs / 1000} s. Every strategy runs in this one process on identical inputs (seed ${s.seed}): the same rooms, join order, region hints, burst and heartbeat times.

${verdict}

## Consumption model: last-N

The simulation, the orchestrator's reservations and the product read one media model, \`MEDIA_MODEL\` in \`@cascade/contracts\` (the SDK's default last-N is its \`lastN\`): last-N ${LAST_N}, ${S} streams per participant (camera and microphone), ${(BITRATE_PER_STREAM_BPS / 1000).toFixed(0)} kbps per consumed stream. A participant publishes ${S} streams and receives the ${S} of each of at most ${LAST_N} other participants, so in a room of n it costs ${S} + ${S}·min(n − 1, ${LAST_N}) streams on its worker. This is what SFU products do in large rooms: Jitsi Videobridge forwards each endpoint only the video of its last-N most recent dominant speakers (last-N), and LiveKit's adaptive stream and subscription management send each client only the tracks it shows, at the size it shows them; nobody renders 300 tiles. If every participant consumed every other one, a room of 300 would carry ${(S * 300 * 300).toLocaleString('en')} streams (${S}·n²) and grow with the room long after the decisions; with last-N, what a participant costs is bounded (at most ${S * (1 + LAST_N)} streams) and a room of 300 carries ${streamsOfRoom(300).toLocaleString('en')}.

How the simulation applies it: a newcomer to a room of n consumes min(n, ${LAST_N}) of the participants already there. While n ≤ ${LAST_N}, each of those n receives the newcomer (one more consumer of ${S} streams each, on their own workers and nodes); in a larger room, the newcomer takes the place of someone in the last-N of whoever sees it, so their consumer counts do not change (which of them see it then does not matter to the counts). Pipes are not reduced by last-N: every producer is still piped to every other node of its room (an upper bound). The orchestrator reserves the same at each decision, on every node the join adds streams to (see Conditions), so between two heartbeats its estimate of a node misses nothing the decisions since added (a placement made shortly before a heartbeat counts twice until the reservation settles).

## Results

| ${HEADER.join(' | ')} |
| ${HEADER.map((_, i) => (i === 0 ? '---' : '---:')).join(' | ')} |
${rows(results)
  .map((r) => `| ${r.cells.join(' | ')} |`)
  .join('\n')}

- **decision** — wall-clock time of one \`place()\` (\`process.hrtime.bigint()\` around the call) during the burst, over all ${world.burst.room.length.toLocaleString('en')} decisions, each given all ${s.nodes.toLocaleString('en')} node snapshots.
- **max/mean worker load** — the busiest worker's streams (producers + consumers + pipe consumers) over the mean of all ${(s.nodes * s.workersPerNode).toLocaleString('en')} workers, at the end of the burst (true state, not heartbeats). **burst additions**: the same over the streams each worker gained during the burst (what the burst's decisions did). **node load**: the same per node.
- **burst joins on busiest node** — of the burst's joins, how many went to the one node that got the most.
- **pipe pairs** — a room on k nodes needs k(k−1)/2 pipe pairs; over all ${''}rooms at the end (the pre-burst rooms and the rooms the burst created).

## More figures

${detail}

${webinarSection(world, results)}${variants.length ? sensitivity(cascade, variants) : ''}${cascade ? balanceExplained(cascade, p, variants) : ''}## Conditions

- Date: ${conditions.date}
- Machine: ${m.cpuModel}, ${m.cores} cores, ${m.totalMemoryGiB.toFixed(1)} GiB, kernel ${m.kernel}, load average at start ${m.loadAverageAtStart.map((v) => v.toFixed(2)).join(' ')}
- Node ${conditions.node}, process nice value ${conditions.nice}; the whole run took ${conditions.elapsedSeconds.toFixed(1)} s
- Placement settings (the orchestrator's configuration, \`placementSettings(PlacementConfigSchema.parse(process.env))\`, with \`MEDIA_MODEL\`): sticky threshold ${p.stickyThreshold} (node and worker), sticky slack ${p.stickySlack} (a room's node only while at most that above the node the newcomer would get otherwise), worker stickiness slack ${p.workerStickinessSlack} (the room's worker only while at most that above the node's least loaded worker), overload threshold ${p.overloadThreshold}, weights cpu ${p.weights.cpu} / streams ${p.weights.streams} / bandwidth ${p.weights.bandwidth}, last-N ${p.lastN}, ${p.streamsPerParticipant} streams per participant, ${(p.bitratePerStreamBps / 1000).toFixed(0)} kbps per consumed stream; a join into a room of n on k other nodes reserves ${p.streamsPerParticipant}·(1 + min(n, ${p.lastN}) + k) streams on the chosen worker, and on every node of the room, on the workers of its participants there, ${p.streamsPerParticipant} per participant while n ≤ ${p.lastN} (their consumers of the newcomer) plus ${p.streamsPerParticipant} per participant when the chosen node is new to the room (pipes to it), where n counts the room's speakers only (viewers consume but publish nothing: a viewer receives the newcomer while it sees fewer than ${p.lastN} speakers); a viewer's join reserves ${p.streamsPerParticipant}·min(n, ${p.lastN}) on the chosen worker and, when the chosen node is new to the room, ${p.streamsPerParticipant} per speaker on the speakers' workers (pipes to it); a room's first join also weighs ${p.streamsPerParticipant}·${p.lastN} streams (its next participant at most) on the node's score, not on its load nor on the choice of a worker, so that rooms opened within one heartbeat interval start on different nodes; reservations settle ${p.reservationSettleMs} ms after a heartbeat covers them and expire after ${p.reservationMaxAgeMs} ms
- Nodes: ${s.nodes.toLocaleString('en')} × ${s.workersPerNode} workers, ${Math.ceil(s.nodes / REGIONS.length)} per region; capacity ${world.maxStreams.toLocaleString('en')} streams per node (${(world.maxStreams / s.workersPerNode).toFixed(0)} per worker) and ${(world.maxBitrateOutBps / 1e9).toFixed(1)} Gbps out, sized so that the pre-burst population (webinars included) is ${pct(s.targetLoad)} of the streams in the participant model without pipes.
- Participant model: a speaker publishes ${S} streams (audio, video), a viewer none; each consumes ${S} of each of up to ${LAST_N} speakers (last-N, above), on its worker; every speaker's producers are piped to each other node of its room (${S} pipe consumers per speaker per other node, on the speaker's worker). Pipes between workers of one node are not counted. Worker CPU = ${CPU_AT_CAPACITY} × streams / worker capacity ± ${CPU_NOISE} (deterministic noise per heartbeat); outgoing bitrate = ${(BITRATE_PER_STREAM_BPS / 1000).toFixed(0)} kbps per consumer or pipe consumer. Largest room (webinars apart): ${st.largestRoom} people.
- Room sizes (final size of each of the ${s.rooms.toLocaleString('en')} pre-burst rooms; ${ROOM_SIZES.length} buckets):

${sizes}

- Pre-burst population: all ${st.prePopulationParticipants.toLocaleString('en')} joins ${s.prePopulationOrder === 'interleaved' ? 'interleaved in random order (rooms grow side by side)' : `room by room (each room gathers all its people before the next room starts; the webinars each after an even share of the other rooms, speakers first; \`--order interleaved\` mixes them)`}, each placed by the strategy under test with fresh statistics: before every decision, each node that changed sends a heartbeat, ${p.reservationSettleMs} ms of simulated time after the previous decision (so no reservation is pending). To keep this phase fast, the strategies that read statistics are offered the room's nodes plus the ${HEAP_SLOTS} least-loaded nodes overall and in the hinted region (indexed heaps on the same score); one decision in ${CHECK_EVERY} is checked against a scan of all nodes (table above: mismatches).
- Burst: ${world.burst.room.length.toLocaleString('en')} joins at uniformly random times over ${s.burstMs / 1000} s — ${st.burstIntoExistingRooms.toLocaleString('en')} into existing rooms picked uniformly, ${st.burstIntoNewRooms.toLocaleString('en')} into ${st.burstNewRooms.toLocaleString('en')} new rooms of the sizes above, ${st.burstIntoEvents.toLocaleString('en')} into ${s.burstEvents.rooms} new events of ${s.burstEvents.joinsEach} people each, ${st.burstIntoWebinars.toLocaleString('en')} viewers into the ${world.webinarRooms.length} webinars (in turn). Region hint: the room's home region with probability ${s.homeRegionShare}, else any. Every node sends a heartbeat (true state at that instant) at the burst's start and every ${s.heartbeatMs / 1000} s after, all at the same instants: between two, every decision sees the same statistics, up to ${s.heartbeatMs / 1000} s old. Nobody leaves.
- Strategies: ${results.map((r) => `\`${r.strategy}\` — ${r.description}`).join('; ')}. Only \`cascade\` can answer CAPACITY_EXHAUSTED (rejected).
`;
}

/** Every strategy's webinars at the end of the burst (true state of this run). */
function webinarSection(world: World, results: StrategyResult[]): string {
  const st = world.stats;
  if (world.webinarRooms.length === 0) return '';
  const body = results.flatMap((r) =>
    r.webinars.map((w, i) => [
      `${r.strategy} #${i + 1}`,
      String(w.speakers),
      w.viewers.toLocaleString('en'),
      String(w.nodes),
      String(w.speakerNodes),
      `${w.viewersPerNode.max} / ${w.viewersPerNode.min}`,
      `${w.pipeConsumers.toLocaleString('en')} ${mark(w.pipeConsumers === w.pipeConsumersEachSpeakerOnce)}`,
      pct(w.maxNodeLoad),
      pct(w.maxSpeakerNodeLoad),
    ]),
  );
  const table = markdownTable(
    [
      'strategy, webinar',
      'speakers',
      'viewers',
      'nodes',
      'nodes with speakers',
      'viewers per node (max / min)',
      `pipe consumers (✓: ${S}·speakers·(nodes − 1), each node gets each speaker once)`,
      'busiest of its nodes',
      'busiest of its speakers’ nodes',
    ],
    body,
  );
  return `## Webinars

${world.webinarRooms.length} webinars of ${st.webinarSpeakers} speakers and ${st.webinarViewers.toLocaleString('en')} viewers each gather before the burst (speakers first), and ${st.burstIntoWebinars.toLocaleString('en')} more viewers join them during the burst. A viewer publishes nothing: among ${st.webinarSpeakers} speakers it costs ${streamsOfViewer(st.webinarSpeakers)} streams (${S} of each of min(${st.webinarSpeakers}, ${LAST_N}) speakers) on its worker, nobody consumes it and nothing of it is piped; a node new to the webinar gets a pipe of each speaker's ${S} streams (on the speaker's worker). \`cascade\` reserves the same for a viewer's join (\`role: 'viewer'\`). End of the burst, true state:

${table}

`;
}

function sensitivity(cascade: StrategyResult | undefined, variants: Variant[]): string {
  const all = [
    ...(cascade ? [{ label: 'defaults (as above)', result: cascade }] : []),
    ...variants,
  ];
  const table = markdownTable(
    [
      'cascade with',
      'p99 µs',
      'max/mean worker load before the burst',
      'max/mean worker load, end of burst',
      'max/mean node load, end of burst',
      'busiest worker',
      'busiest node',
      'rooms on > 1 node',
      'nodes per 100+ room (webinars apart)',
      'pipe consumers (share)',
    ],
    all.map(({ label, result: r }) => [
      label,
      fixed(r.latencyUs.p99, 1),
      fixed(r.balance.preBurst, 3),
      fixed(r.balance.endOfBurst, 3),
      fixed(r.balance.nodesEndOfBurst, 3),
      pct(r.maxWorkerLoad),
      pct(r.maxNodeLoad),
      pct(r.pipes.multiNodeShare),
      fixed(r.pipes.nodesPerLargeRoom, 1),
      pct(r.pipes.pipeConsumerShare),
    ]),
  );
  return `## \`cascade\` with other settings (same world, same run)

${table}

`;
}

/** Where `cascade`'s imbalance comes from, from this run's figures only. */
function balanceExplained(r: StrategyResult, p: PlacementSettings, variants: Variant[]): string {
  const met = r.balance.endOfBurst <= GOALS.maxOverMean;
  const reasons = r.burstReasons;
  const decided = (reasons.sticky ?? 0) + (reasons.region ?? 0) + (reasons.score ?? 0);
  const share = (k: string) => pct(decided ? (reasons[k] ?? 0) / decided : 0);
  const best = variants.reduce<Variant | undefined>(
    (a, v) => (!a || v.result.balance.endOfBurst < a.result.balance.endOfBurst ? v : a),
    undefined,
  );
  // The previous policy (the absolute threshold alone), when it ran as a variant.
  const thresholdOnly = variants.find(
    (v) => Object.keys(v.settings).length === 1 && (v.settings.stickySlack ?? 0) >= 1,
  );
  const lines = [
    `## Where \`cascade\`'s imbalance comes from (this run, defaults)`,
    '',
    `- **Before the burst** (fresh statistics): max/mean worker load ${fixed(r.balance.preBurst, 3)}. A room stays on its nodes while a node is under the sticky threshold (${p.stickyThreshold}) and at most the sticky slack (${p.stickySlack}) above the node a newcomer would get otherwise.${thresholdOnly ? ` With the threshold alone (${thresholdOnly.label}), ${fixed(thresholdOnly.result.balance.preBurst, 3)} before the burst and ${fixed(thresholdOnly.result.balance.endOfBurst, 3)} at its end, busiest node ${pct(thresholdOnly.result.maxNodeLoad)}: nodes fill up to the threshold whatever the mean.` : ''}`,
    `- **At the end of the burst** (statistics up to the heartbeat interval old): max/mean worker load ${fixed(r.balance.endOfBurst, 3)} ${mark(met)}, node ${fixed(r.balance.nodesEndOfBurst, 3)}; busiest worker ${pct(r.maxWorkerLoad)} and busiest node ${pct(r.maxNodeLoad)} of capacity, against a mean of ${pct(r.meanLoad)}; the burst's own additions: max/mean ${fixed(r.balance.burstAdditions, 2)} over workers. ${r.nodesReceivingBurstJoins} nodes got burst joins, at most ${r.burstJoinsOnBusiestNode} on one.`,
    `- **Burst decisions**: ${share('sticky')} to a node the room already uses, ${share('region')} to the hinted region's best node, ${share('score')} to the best node overall; ${pct(r.pipes.multiNodeShare)} of rooms end on more than one node (${fixed(r.pipes.nodesPerLargeRoom, 1)} nodes per room of 100 or more, webinars apart), pipes are ${pct(r.pipes.pipeConsumerShare)} of all streams.`,
  ];
  if (best)
    lines.push(
      `- **Other settings** (table above): the lowest end-of-burst figure is ${fixed(best.result.balance.endOfBurst, 3)} with ${best.label} (p99 ${fixed(best.result.latencyUs.p99, 1)} µs, ${pct(best.result.pipes.pipeConsumerShare)} of streams in pipes).`,
    );
  return `${lines.join('\n')}

`;
}
