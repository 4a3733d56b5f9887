import { loadavg } from 'node:os';

import { SdkBot, eventually, scrapeMetric } from '@cascade/testing';

import {
  MEDIA,
  type Member,
  allDecode,
  decodedFrom,
  joinMember,
  sleep,
  startBot,
  stopAll,
} from '../src/call';
import {
  NODES,
  type Objects,
  mediasoupObjects,
  neededObjects,
  objectDiff,
  presentParticipants,
  redisMentions,
  roomViewOrNone,
} from '../src/leaks';
import { DrillRecorder, percentile } from '../src/report';
import { type Growth, type StackSample, growth, sampleStack } from '../src/resources';
import { DrillStack } from '../src/stack';

/**
 * Soak: a room spread over both sfu-nodes, with STEADY bots in it for the whole run while churn
 * participants join and leave about every second for `SOAK_MINUTES`. Each churn participant is a
 * new client and a new user, in one of `SOAK_CHURN_BOTS` SDK processes that take turns (a process
 * is renewed after a leave: starting one per join would cost more CPU than the churn itself);
 * it joins through one of the two gateways, publishes its camera and microphone, consumes
 * everyone, stays `SOAK_DWELL_MS`, and leaves (`room.leave`); every `VANISH_EVERY`-th one ends
 * its process without leaving instead (the gateway sees the socket drop and removes it after its
 * resume grace).
 *
 * Asserted exactly, once the churn has stopped and settled: the nodes' mediasoup workers hold
 * what the steady participants need and nothing more (routers, transports, producers,
 * consumers, pipe transports, pipe consumers and piped-in producers; `neededObjects`), the
 * orchestrator's room holds only them and their pipes, no Redis key mentions a churned
 * participant, the rooms service counts only them present; after everyone leaves, the nodes
 * hold nothing and nothing in Redis mentions the room's participants. Every churn join must
 * succeed and the steady bots must keep decoding each other between every two samples.
 *
 * Measured from outside: the resident memory and open file descriptors of every service and
 * every mediasoup worker (`/proc`), and the services' V8 heap and libuv handles (their
 * `/metrics`), first after a warm-up churn has settled, then every SAMPLE_EVERY_MS, and last
 * once the churn has stopped and settled in the same state as the first: the growth is
 * reported (not asserted tightly: see FD_BOUND and RSS_BOUND_KIB).
 */
const MINUTES = Number(process.env['SOAK_MINUTES'] ?? 1);
const WARMUP_MS = Number(process.env['SOAK_WARMUP_MS'] ?? 20_000);
/**
 * Churn participants at most at once, each in an SDK process of its own on @roamhq/wrtc (reused
 * from one participant to the next): with the steady ones, 7 processes on the machine's 2 cores.
 */
const CHURN_BOTS = Number(process.env['SOAK_CHURN_BOTS'] ?? 4);
const DWELL_MS = Number(process.env['SOAK_DWELL_MS'] ?? 1_500);
const STEADY = 3;
const JOIN_EVERY_MS = 1_000;
const VANISH_EVERY = 4;
const SAMPLE_EVERY_MS = 30_000;
/**
 * How long the stack may take to settle after the churn: a vanished client's session lives out
 * the gateway's resume grace (15 s) before it is removed, a piped copy nobody consumes lingers
 * 5 s (ORCH_PIPE_LINGER_MS), and an empty room's router 10 s on its node (SFU_ROOM_LINGER_MS).
 */
const SETTLE_MS = 60_000;
/**
 * Asserted bounds on growth from the first sample to the last, both taken in the same state.
 * Generous on purpose: the machine is shared and a Node process's memory moves with its
 * garbage collector's schedule by tens of MiB; they catch a leak per join (hundreds of joins),
 * not noise. Descriptors: a socket or file kept per join would exceed FD_BOUND within minutes.
 */
const FD_BOUND = 50;
const RSS_BOUND_KIB = 256 * 1024;

const LEAKED = 'open descriptors and libuv handles gained, largest over all processes';
const recorder = new DrillRecorder('soak', 'soak: churn in a room over two nodes', {
  figure: LEAKED,
  what: 'descriptors and handles gained by any process over the soak',
  limit: 0,
  unit: 'count',
});
let stack: DrillStack;

beforeAll(async () => {
  // Spread: placement by load (a room's node is not preferred past 1 % of its capacity), with
  // room for the churn: a vanished client's streams count on its node for the gateway's resume
  // grace (15 s), so up to ten participants are in the room.
  stack = await DrillStack.start({
    spread: true,
    sfuNodeEnv: { SFU_MAX_STREAMS: '400' },
    orchestratorEnv: { ORCH_STICKY_THRESHOLD: '0.01' },
  });
}, 180_000);

afterAll(async () => {
  if (process.env['CASCADE_TEST_SHOW_LOGS']) console.log(stack?.dumpLogs(80));
  await stack?.stop();
  await recorder.save();
}, 120_000);

interface ChurnStats {
  started: number;
  joins: number;
  leaves: number;
  vanished: number;
  failures: string[];
  joinMs: number[];
  /** Step of the SDK's join (its `timing` events) → how long it took, per join. */
  steps: Map<string, number[]>;
  participantIds: string[];
}

const newStats = (): ChurnStats => ({
  started: 0,
  joins: 0,
  leaves: 0,
  vanished: 0,
  failures: [],
  joinMs: [],
  steps: new Map(),
  participantIds: [],
});

let churnSeq = 0;

/**
 * A churn bot process: each churn participant is a new client (a new user) in one of these,
 * renewed after a leave; a process is started anew after it vanished (ended without leaving).
 * Slot i connects through gateway 1 + i % 2 first.
 */
interface Slot {
  index: number;
  bot?: SdkBot;
  /** The participant it is now (the token function reads it). */
  name: string;
  busy: boolean;
}

const slots: Slot[] = Array.from({ length: CHURN_BOTS }, (_, index) => ({
  index,
  name: '',
  busy: false,
}));

/**
 * Churn for `ms`: every JOIN_EVERY_MS a new participant joins in a free slot, if any; each stays
 * DWELL_MS, then leaves (or vanishes). Returns once the last one is gone. `tick` runs between
 * joins (sampling).
 */
async function churn(
  roomId: string,
  ms: number,
  stats: ChurnStats,
  tick: () => Promise<void> = async () => {},
): Promise<void> {
  const busy = new Set<Promise<void>>();
  const end = Date.now() + ms;
  while (Date.now() < end) {
    const next = Date.now() + JOIN_EVERY_MS;
    const slot = slots.find((s) => !s.busy);
    if (slot) {
      slot.busy = true;
      const cycle = oneChurn(roomId, slot, ++churnSeq, stats).finally(() => {
        slot.busy = false;
        busy.delete(cycle);
      });
      busy.add(cycle);
    }
    await tick();
    await sleep(Math.max(0, next - Date.now()));
  }
  await Promise.all(busy);
}

async function oneChurn(roomId: string, slot: Slot, n: number, stats: ChurnStats): Promise<void> {
  const name = `churn${n}`;
  const vanish = n % VANISH_EVERY === 0;
  stats.started++;
  slot.name = name;
  try {
    if (slot.bot) await slot.bot.renew({ displayName: name });
    else {
      const [g1, g2] = [stack.gatewayUrl(1), stack.gatewayUrl(2)];
      slot.bot = await SdkBot.start({
        url: slot.index % 2 ? [g2, g1] : [g1, g2],
        token: () => stack.joinToken({ user: `u_${slot.name}`, room: roomId, name: slot.name }),
        displayName: name,
        name: `churn-slot${slot.index}`,
        publish: { camera: true, microphone: true },
        media: MEDIA,
      });
    }
    const bot = slot.bot;
    const started = Date.now();
    const room = await bot.join();
    stats.joinMs.push(Date.now() - started);
    stats.joins++;
    stats.participantIds.push(room.participantId);
    for (const { payload } of await bot.eventsOf('timing')) {
      const step = `${payload.step}${payload.detail ? ` (${payload.detail})` : ''}`;
      if (!stats.steps.has(step)) stats.steps.set(step, []);
      stats.steps.get(step)!.push(Math.round(payload.duration));
    }
    await sleep(DWELL_MS);
    if (vanish) {
      // The process ends without leaving: the gateway sees its socket drop.
      slot.bot = undefined;
      await bot.stop();
      stats.vanished++;
    } else {
      await bot.leave();
      stats.leaves++;
    }
  } catch (error) {
    stats.failures.push(`${name}: ${String(error).split('\n')[0]}`);
    await slot.bot?.stop();
    slot.bot = undefined;
  }
}

/** Per pair of steady members, the video frames the receiver decoded from the sender so far. */
async function steadyFrames(members: Member[]): Promise<Map<string, number>> {
  const received = await Promise.all(members.map((m) => m.bot.received()));
  const frames = new Map<string, number>();
  members.forEach((r, i) => {
    for (const s of members)
      if (s !== r) frames.set(`${r.name}<-${s.name}`, decodedFrom(received[i]!, s).frames);
  });
  return frames;
}

/**
 * Everything that must hold once only `steady` is in the room (no one at all when empty), as a
 * list of what does not: the nodes' mediasoup objects, the orchestrator's room, presence in the
 * rooms service, and Redis (nothing mentions `gone`).
 */
async function leftovers(roomId: string, steady: Member[], gone: string[]): Promise<string[]> {
  const problems: string[] = [];
  const view = await roomViewOrNone(stack, roomId);
  const ids = steady.map((m) => m.room.participantId).sort();
  const placed = (view?.participants ?? []).map((p) => p.participantId).sort();
  if (placed.join() !== ids.join())
    problems.push(`orchestrator: participants [${placed.join()}], expected [${ids.join()}]`);
  if (steady.length === 0 && view) problems.push('orchestrator: the empty room is still stored');
  const nodeOf = new Map((view?.participants ?? []).map((p) => [p.participantId, p.nodeId]));
  const on = (node: (typeof NODES)[number]) =>
    steady.filter((m) => nodeOf.get(m.room.participantId) === stack.nodeId(node)).length;
  const [n1, n2] = [on('sfu-node-1'), on('sfu-node-2')];
  const producers = (view?.producers ?? []).filter((p) => ids.includes(p.participantId));
  if ((view?.producers.length ?? 0) !== 2 * steady.length || producers.length !== 2 * steady.length)
    problems.push(
      `orchestrator: ${view?.producers.length ?? 0} producers, ${2 * steady.length} expected`,
    );
  const pipes = view?.pipes ?? [];
  const wantPipes = n1 > 0 && n2 > 0 ? 1 : 0;
  if (pipes.length !== wantPipes)
    problems.push(`orchestrator: ${pipes.length} pipe pair(s), ${wantPipes} expected`);
  else if (wantPipes === 1) {
    const crossing = pipes[0]!.producers;
    if (crossing.length !== 2 * steady.length)
      problems.push(
        `orchestrator: ${crossing.length} producers piped, ${2 * steady.length} expected`,
      );
    for (const c of crossing) {
      const needing = c.to === stack.nodeId('sfu-node-1') ? n1 : n2;
      if (c.consumers !== needing)
        problems.push(
          `orchestrator: ${c.producerId} piped with ${c.consumers} consumers, ${needing} expected`,
        );
    }
  }
  for (const [node, here, there] of [
    ['sfu-node-1', n1, n2],
    ['sfu-node-2', n2, n1],
  ] as const)
    problems.push(
      ...objectDiff(node, await mediasoupObjects(stack, node), neededObjects(here, there)),
    );
  const present = await presentParticipants(stack, roomId);
  if (present.join() !== ids.join())
    problems.push(`rooms presence: [${present.join()}], expected [${ids.join()}]`);
  problems.push(...(await redisMentions(stack, gone)).map((m) => `redis: ${m}`));
  return problems;
}

async function settled(what: string, roomId: string, steady: Member[], gone: string[]) {
  const started = Date.now();
  await eventually(
    `${what}: the stack holds only what the ${steady.length} remaining participant(s) need`,
    () => leftovers(roomId, steady, gone),
    (problems) => problems.length === 0,
    { timeoutMs: SETTLE_MS, intervalMs: 1_000 },
  );
  return Date.now() - started;
}

/** Key frames the nodes asked for again so far (`sfu_keyframe_retries_total`), per node. */
async function keyFrameRetries(): Promise<number[]> {
  return Promise.all(
    NODES.map(
      async (node) =>
        (await scrapeMetric(`${stack.process(node).url}/metrics`, 'sfu_keyframe_retries_total'))[0]
          ?.value ?? 0,
    ),
  );
}

/** The output lines of every running process that contain `text`, as `process: line`. */
/**
 * Every line of the services' output that holds `text`, with the service's name; with `frames`,
 * followed by up to that many stack frames printed after it (`at …`, e.g. --trace-deprecation's).
 */
function logged(text: string, frames = 0): string[] {
  return [...stack.processes].flatMap(([name, p]) => {
    const lines = p.output.split('\n');
    return lines.flatMap((line, i) => {
      if (!line.includes(text)) return [];
      const stackLines: string[] = [];
      for (const next of lines.slice(i + 1, i + 1 + frames)) {
        if (!/^\s+at /.test(next)) break;
        stackLines.push(next.trim());
      }
      return [[`${name}: ${line}`, ...stackLines].join(' ← ')];
    });
  });
}

const MiB = (kib: number) => (kib / 1024).toFixed(1);
const pct = (a: number, b: number) => (a === 0 ? '–' : `${(((b - a) / a) * 100).toFixed(1)} %`);
const signed = (n: number, digits = 0) => `${n >= 0 ? '+' : ''}${n.toFixed(digits)}`;

function growthTable(rows: Growth[]) {
  return {
    title:
      'Growth per process, from the first sample (after the warm-up, settled) to the last (after the churn, settled)',
    header: [
      'process',
      'RSS start',
      'RSS end',
      'growth',
      '%',
      'RSS peak',
      'fds start → end',
      'V8 heap used start → end',
      'active handles start → end',
    ],
    rows: rows.map((g) => [
      g.name,
      `${MiB(g.rssStartKiB)} MiB`,
      `${MiB(g.rssEndKiB)} MiB`,
      `${signed((g.rssEndKiB - g.rssStartKiB) / 1024, 1)} MiB`,
      pct(g.rssStartKiB, g.rssEndKiB),
      `${MiB(g.rssPeakKiB)} MiB`,
      `${g.fdsStart} → ${g.fdsEnd} (${signed(g.fdsEnd - g.fdsStart)})`,
      g.heapStartBytes === undefined
        ? '–'
        : `${MiB(g.heapStartBytes / 1024)} → ${MiB(g.heapEndBytes! / 1024)} MiB (${signed((g.heapEndBytes! - g.heapStartBytes) / 1048576, 1)})`,
      g.handlesStart === undefined
        ? '–'
        : `${g.handlesStart} → ${g.handlesEnd} (${signed(g.handlesEnd! - g.handlesStart)})`,
    ]),
  };
}

function stepsTable(stats: ChurnStats) {
  const ms = (v: number | undefined) => (v === undefined ? '–' : `${v} ms`);
  return {
    title: 'Where a churn join spends its time (the SDK’s timing events, every churn join)',
    header: ['step', 'n', 'p50', 'p95', 'max'],
    rows: [...stats.steps].map(([step, samples]) => [
      step,
      String(samples.length),
      ms(percentile(samples, 50)),
      ms(percentile(samples, 95)),
      ms(Math.max(...samples)),
    ]),
  };
}

it(
  `a room with churn over two nodes leaks nothing (${MINUTES} min of churn)`,
  async () => {
    const bots: SdkBot[] = [];
    const steady: Member[] = [];
    try {
      const roomId = (await stack.createRoom('u_owner', 50)).id;
      const [g1, g2] = [stack.gatewayUrl(1), stack.gatewayUrl(2)];
      for (let i = 0; i < STEADY; i++) {
        const bot = await startBot(stack, roomId, `steady${i + 1}`, i % 2 ? [g2, g1] : [g1, g2]);
        bots.push(bot);
        steady.push(await joinMember(bot));
      }
      await allDecode('the steady members, before the churn', steady);

      // Warm-up: the same churn, so that what a first join allocates once (JIT, pools, caches)
      // is in the first sample; then settle in the state the last sample is taken in.
      const warm = newStats();
      await churn(roomId, WARMUP_MS, warm);
      await settled('after the warm-up', roomId, steady, warm.participantIds);
      const view = await stack.roomView(roomId);
      const layout = steady.map(
        (m) =>
          `${m.name}@${view.participants.find((p) => p.participantId === m.room.participantId)?.nodeId}`,
      );
      const samples: StackSample[] = [await sampleStack(stack)];
      const retriesStart = await keyFrameRetries();
      const loadStart = loadavg();

      // The soak.
      const stats = newStats();
      let frames = await steadyFrames(steady);
      const stalls: string[] = [];
      let nextSample = Date.now() + SAMPLE_EVERY_MS;
      const churnStarted = Date.now();
      await churn(roomId, MINUTES * 60_000, stats, async () => {
        if (Date.now() < nextSample) return;
        nextSample += SAMPLE_EVERY_MS;
        samples.push(await sampleStack(stack));
        const now = await steadyFrames(steady);
        for (const [pair, n] of now)
          if (n <= (frames.get(pair) ?? 0))
            stalls.push(
              `${pair} decoded nothing new by ${Math.round((Date.now() - churnStarted) / 1000)} s`,
            );
        frames = now;
      });
      const churnMs = Date.now() - churnStarted;
      const settleMs = await settled('after the churn', roomId, steady, [
        ...warm.participantIds,
        ...stats.participantIds,
      ]);
      await allDecode('the steady members, after the churn', steady);
      samples.push(await sampleStack(stack));
      const loadEnd = loadavg();
      const retries = (await keyFrameRetries()).map((n, i) => n - retriesStart[i]!);
      // The census warns of a transport a worker holds that its node closed or never made (a
      // leak, see the node's MediasoupCensus); deprecations are worth a look in any process.
      const censusWarnings = logged('a mediasoup worker');
      const deprecations = logged('DeprecationWarning', 8);

      const rows = growth(samples);
      recorder.repetitions = 1;
      recorder.add(
        LEAKED,
        Math.max(
          0,
          ...rows.flatMap((g) => [
            g.fdsEnd - g.fdsStart,
            ...(g.handlesStart === undefined ? [] : [g.handlesEnd! - g.handlesStart]),
          ]),
        ),
        'count',
      );
      recorder.add('churn joins done', stats.joins, 'count');
      recorder.add('churn join failures', stats.failures.length, 'count');
      for (const ms of stats.joinMs)
        recorder.add('churn bot: room.join to joined and publishing', ms);
      recorder.add('churn stopped → the stack holds only what the steady members need', settleMs);
      recorder.add(
        'key frames asked for again (sfu_keyframe_retries_total, both nodes, over the churn)',
        retries[0]! + retries[1]!,
        'count',
      );
      recorder.tables.push(growthTable(rows), stepsTable(stats));
      recorder.notes.push(
        `${MINUTES} min of churn (${Math.round(churnMs / 1000)} s) after a ${WARMUP_MS / 1000} s warm-up: ${stats.joins} joins (${(stats.joins / (churnMs / 1000)).toFixed(2)}/s), ${stats.leaves} left with room.leave, ${stats.vanished} vanished (process ended, no leave), ${stats.failures.length} failed; at most ${CHURN_BOTS} churn bots at once, each staying ${DWELL_MS} ms, publishing a 160x120 10 fps camera and a tone and consuming everyone`,
        `${STEADY} steady members for the whole run, placed ${layout.join(', ')}; the churn bots placed by load on either node`,
        `load average ${loadStart.map((l) => l.toFixed(2)).join(' ')} when the churn started, ${loadEnd.map((l) => l.toFixed(2)).join(' ')} at the end`,
        `churn join time p50 ${percentile(stats.joinMs, 50)} ms, p95 ${percentile(stats.joinMs, 95)} ms`,
        `key frames asked for again by the nodes' key-frame watch over the churn: ${NODES.map((n, i) => `${n} ${retries[i]}`).join(', ')}`,
        `warnings logged: ${censusWarnings.length} by the nodes' mediasoup census (a transport a worker holds that its node closed or never made), ${deprecations.length} deprecation warning(s)${deprecations.length ? ` (${[...new Set(deprecations.map((d) => d.replace(/\(node:\d+\) /, '')))].join('; ')})` : ''}`,
        `asserted exactly after the churn and after everyone left: mediasoup objects on both nodes (from the workers' dumps) equal what the remaining members need, the orchestrator's room, rooms presence, no Redis key mentions a churned participant; steady members decoded each other between every two samples (${samples.length} samples, every ${SAMPLE_EVERY_MS / 1000} s)`,
      );
      recorder.data = {
        minutes: MINUTES,
        joins: stats.joins,
        leaves: stats.leaves,
        vanished: stats.vanished,
        failures: stats.failures,
        keyFrameRetries: Object.fromEntries(NODES.map((n, i) => [n, retries[i]])),
        censusWarnings,
        deprecations,
        samples,
      };

      expect(stats.failures).toEqual([]);
      expect(warm.failures).toEqual([]);
      expect(stalls).toEqual([]);
      expect(rows.map((g) => g.name).sort()).toEqual(
        samples[0]!.processes.map((p) => p.name).sort(),
      ); // no process restarted meanwhile
      const beyond = rows.flatMap((g) => [
        ...(g.fdsEnd - g.fdsStart > FD_BOUND
          ? [`${g.name}: ${g.fdsEnd - g.fdsStart} more fds`]
          : []),
        ...(g.rssEndKiB - g.rssStartKiB > RSS_BOUND_KIB
          ? [`${g.name}: RSS grew ${MiB(g.rssEndKiB - g.rssStartKiB)} MiB`]
          : []),
      ]);
      expect(beyond).toEqual([]);
      expect(censusWarnings).toEqual([]);

      // Everyone leaves: nothing of the room stays anywhere.
      for (const m of steady) await m.bot.leave();
      const everyone = [
        ...steady.map((m) => m.room.participantId),
        ...warm.participantIds,
        ...stats.participantIds,
      ];
      const emptied = await settled('after everyone left', roomId, [], everyone);
      recorder.add('everyone left → nothing of the room on the nodes', emptied);
      const empty: Objects = {};
      for (const node of NODES) expect(await mediasoupObjects(stack, node)).toEqual(empty);
    } catch (error) {
      recorder.lost.push(`failed: ${String(error).split('\n')[0]}`);
      console.log(stack.dumpLogs(40));
      throw error;
    } finally {
      await stopAll([...bots, ...slots.flatMap((slot) => (slot.bot ? [slot.bot] : []))]);
    }
  },
  MINUTES * 60_000 + 10 * 60_000,
);
