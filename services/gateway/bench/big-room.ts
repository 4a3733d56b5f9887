/**
 * The big-room benchmark (issue 14): one room of hundreds of participants over three sfu-nodes,
 * with everyone-subscribes and view-driven last-N measured side by side at several room sizes
 * in one run. A few real publishers (the SDK on @roamhq/wrtc, `SdkBot`, simulcast camera) and
 * many cheap receivers (`SinkParticipant`: a raw signaling client whose media goes to a UDP
 * sink). Everything runs on this machine against real processes (startCascadeStack); build first.
 *
 *   cd services/gateway && npm run bench:big-room [-- --participants 300 --sizes 50,100,200,300
 *     --publishers 4 --last-n 2 --tile 320x180 --window 5 --settle 5 --sfu-nodes 3 --gateways 2
 *     --sfu-max-streams 1200 --sticky 0.3 --no-write]
 *
 * Every flag can also be given as BIG_ROOM_<FLAG> (upper case, dashes as underscores). Writes
 * bench-results/big-room.json and .md at the repository root.
 */
import { randomBytes } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';

import type { ClientView } from '@cascade/contracts';
import { SdkBot, benchMachine } from '@cascade/testing';

import { startCascadeStack } from '../test/support/stack';
import { SinkParticipant } from './big-room-participant';
import {
  type BigRoomResults,
  type BigRoomSettings,
  type JoinRecord,
  type Mode,
  type ModeSample,
  type ServerJoinWindow,
  type SizeSample,
  writeBigRoomReport,
} from './big-room-report';
import { startPublisherWindow } from './big-room-publishers';
import { measureWindow, workerPids } from './big-room-sample';
import { type MetricSnapshot, histogramMeanMs, scrape } from './metrics';
import { inBatches, sleep } from './stats';

const OPTIONS = {
  participants: { type: 'string' },
  sizes: { type: 'string' },
  publishers: { type: 'string' },
  'last-n': { type: 'string' },
  tile: { type: 'string' },
  window: { type: 'string' },
  settle: { type: 'string' },
  'sfu-nodes': { type: 'string' },
  gateways: { type: 'string' },
  'sfu-max-streams': { type: 'string' },
  sticky: { type: 'string' },
  'no-write': { type: 'boolean' },
} as const;

function settings(): BigRoomSettings & { write: boolean } {
  const { values } = parseArgs({ strict: false, options: OPTIONS });
  const get = (name: keyof typeof OPTIONS): string | boolean | undefined => {
    const flag = values[name];
    if (flag !== undefined) return flag;
    const env = process.env[`BIG_ROOM_${name.toUpperCase().replaceAll('-', '_')}`];
    if (env === undefined || env === '') return undefined;
    return OPTIONS[name].type === 'boolean' ? env !== '0' && env !== 'false' : env;
  };
  const num = (name: keyof typeof OPTIONS, fallback: number) => {
    const v = get(name);
    const n = typeof v === 'string' ? Number(v) : NaN;
    return Number.isFinite(n) ? n : fallback;
  };
  const participants = num('participants', 300);
  const sizeSpec = get('sizes');
  const sizes = [
    ...new Set([
      ...(typeof sizeSpec === 'string' ? sizeSpec : '50,100,200,300')
        .split(',')
        .map((s) => Number.parseInt(s, 10))
        .filter((n) => n > 0 && n < participants),
      participants,
    ]),
  ].sort((a, b) => a - b);
  const tile = get('tile');
  const [tileWidth, tileHeight] = (typeof tile === 'string' ? tile : '320x180')
    .split('x')
    .map((n) => Number.parseInt(n, 10));
  return {
    participants,
    sizes,
    publishers: num('publishers', 4),
    lastN: num('last-n', 2),
    tile: { width: tileWidth ?? 320, height: tileHeight ?? 180 },
    windowSeconds: num('window', 5),
    settleSeconds: num('settle', 5),
    sfuNodes: num('sfu-nodes', 3),
    gateways: num('gateways', 2),
    sfuMaxStreams: num('sfu-max-streams', 1200),
    stickyThreshold: num('sticky', 0.3),
    joinWindow: 10,
    write: !get('no-write'),
  };
}

/** Two small simulcast layers (480x270 and 240x135) at 8 fps: a few encoders on two cores. */
const MEDIA = {
  video: { width: 480, height: 270, fps: 8 },
  audio: { frequencyHz: 440, sampleRate: 48_000 },
};
const TENANT = 'bench';
/** The orchestrator's defaults (services/sfu-orchestrator/src/config.ts) for node liveness. */
const PRODUCT_LIVENESS = {
  ORCH_NODE_STALE_MS: '5000',
  ORCH_NODE_DEAD_MS: '10000',
  ORCH_ROOM_LEASE_MS: '10000',
  ORCH_REQUEST_TIMEOUT_MS: '5000',
};

const log = (line: string) => console.log(`[${new Date().toISOString().slice(11, 19)}] ${line}`);

async function main(): Promise<void> {
  const s = settings();
  const machine = benchMachine();
  const started = performance.now();
  const stack = await startCascadeStack({
    gateways: s.gateways,
    sfuNodes: s.sfuNodes,
    // Joins are not authorized by the rooms service (not what this measures): a token's room is a room.
    rooms: false,
    sfuMaxStreams: s.sfuMaxStreams,
    orchestratorStickyThreshold: s.stickyThreshold,
    // The product's liveness timings, not the tests' fast ones: on a saturated machine a node's
    // heartbeat can be a few seconds late, and a node declared lost would end the room's media.
    orchestratorEnv: PRODUCT_LIVENESS,
  });
  log(`stack up: ${s.gateways} gateways, ${s.sfuNodes} sfu-nodes`);
  const bots: SdkBot[] = [];
  const receivers: SinkParticipant[] = [];
  try {
    const room = { tenantId: TENANT, roomId: `big-${randomBytes(4).toString('hex')}` };
    const workers = workerPids(stack);
    const joins: JoinRecord[] = [];
    // The gateways' own time to answer room.join (their histogram) over the two join windows.
    const last = s.participants;
    const joinWindows: Array<{ from: number; to: number; before?: MetricSnapshot }> = [
      { from: 6, to: 5 + s.joinWindow },
      { from: last - s.joinWindow + 1, to: last },
    ];
    const serverJoinMs: ServerJoinWindow[] = [];
    const cameras: string[] = [];
    const publisherIds: string[] = [];
    for (let i = 0; i < s.publishers; i++) {
      const name = `pub${i}`;
      const urls = stack.gatewayUrls;
      const bot = await SdkBot.start({
        url: [urls[i % urls.length]!, urls[(i + 1) % urls.length]!],
        token: () =>
          stack.mintJoinToken({ tenant: TENANT, user: `u_${name}`, room: room.roomId, name }),
        displayName: name,
        name,
        publish: { camera: true, microphone: false },
        media: MEDIA,
        autoSubscribe: false,
      });
      bots.push(bot);
      const t0 = performance.now();
      const joined = await bot.join();
      joins.push({
        ordinal: i + 1,
        kind: 'publisher',
        joinMs: NaN,
        readyMs: performance.now() - t0,
      });
      publisherIds.push(joined.participantId);
      cameras.push(joined.local.find((t) => t.source === 'camera')!.producerId!);
    }
    log(`${s.publishers} publishers in ${room.roomId}`);
    const plan = { ...room, cameras };
    const everyone: ClientView = {
      visible: publisherIds.map((participantId) => ({ participantId, width: 1280, height: 720 })),
      lastN: publisherIds.length,
    };
    const lastN = (i: number): ClientView => ({
      visible: Array.from({ length: Math.min(s.lastN, publisherIds.length) }, (_, k) => ({
        participantId: publisherIds[(i + k) % publisherIds.length]!,
        ...s.tile,
      })),
      lastN: s.lastN,
    });

    const samples: SizeSample[] = [];
    for (const size of s.sizes) {
      while (s.publishers + receivers.length < size) {
        const i = receivers.length;
        const ordinal = s.publishers + i + 1;
        const window = joinWindows.find((w) => w.from === ordinal);
        const measured = [...stack.gateways, ...(stack.orchestrator ? [stack.orchestrator] : [])];
        if (window) window.before = await scrape(measured);
        const p = await SinkParticipant.join(stack, plan, `u_rx${i}`, i % s.gateways, lastN(i));
        receivers.push(p);
        joins.push({ ordinal, kind: 'receiver', nodeId: p.nodeId, ...p.timing });
        const closing = joinWindows.find((w) => w.to === ordinal);
        if (closing?.before) {
          const after = await scrape(measured);
          const mean = (metric: string, label: string, value: string) =>
            histogramMeanMs(closing.before!, after, metric, label, value);
          serverJoinMs.push({
            from: closing.from,
            to: closing.to,
            ...mean('gateway_request_duration_seconds', 'method', 'room.join'),
            placementMeanMs: mean('orchestrator_request_duration_seconds', 'op', 'participant.join')
              .meanMs,
          });
        }
        if (ordinal % 25 === 0) log(`${ordinal} in the room`);
      }
      const modes = {} as Record<Mode, ModeSample>;
      for (const mode of ['everyone', 'lastN'] as const) {
        await inBatches(receivers.length, 8, (i) =>
          receivers[i]!.setView(mode === 'everyone' ? everyone : lastN(i)),
        );
        await sleep(s.settleSeconds * 1000);
        const publishing = await startPublisherWindow(bots);
        const window = await measureWindow(stack, workers, room, receivers, s.windowSeconds);
        const publishers = await publishing();
        modes[mode] = { ...window, publishers };
        const pps = window.nodes.reduce((sum, n) => sum + n.forwardedPps, 0);
        log(
          `${size} participants, ${mode}: ${Math.round(pps)} packets/s forwarded; per node ` +
            window.nodes
              .map(
                (n) =>
                  `${n.nodeId} ${n.participants} in, ${n.consumers} consumers (${n.flowingConsumers} flowing, ${n.sendingConsumers} sent), ` +
                  `${Math.round(n.forwardedPps)} pps, worker ${n.workerCpuPercent.toFixed(0)}%`,
              )
              .join('; ') +
            `; client p50 ${window.clientKbps.p50.toFixed(0)} kbit/s; publishers ${publishers.uploadKbps.toFixed(0)} kbit/s ` +
            `${publishers.packetsPerSecond.toFixed(0)} pkt/s (by encoding ${Object.entries(
              publishers.encodings,
            )
              .map(([rid, e]) => `${rid} ${e.packetsPerSecond.toFixed(0)}`)
              .join(', ')}; limited by ${JSON.stringify(publishers.limitations)}); ` +
            `machine ${window.machineBusyCores.toFixed(2)} cores`,
        );
      }
      samples.push({ size, receivers: receivers.length, modes });
    }
    const results: BigRoomResults = {
      machine,
      settings: s,
      roomId: room.roomId,
      joins,
      serverJoinMs,
      samples,
      elapsedSeconds: (performance.now() - started) / 1000,
    };
    if (s.write) log(`wrote ${(await writeBigRoomReport(results)).join(', ')}`);
  } catch (error) {
    stack.dumpLogs(30);
    throw error;
  } finally {
    await inBatches(receivers.length, 50, (i) => receivers[i]!.leave());
    await Promise.all(bots.map((b) => b.stop().catch(() => undefined)));
    await stack.stop();
  }
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
