/**
 * Fan-out benchmark of the sfu-node: one ~1 Mbps SRTP VP8 stream from ffmpeg fanned out to N SRTP
 * PlainTransport consumers, measured bare (b), through the sfu-node API (a) and through a pipe
 * between two nodes (c), side by side for each N.
 *
 *   cd services/sfu-node && node test/support/run-ts.js bench/fanout.ts \
 *     [--sizes 10,50,100,200] [--seconds 10] [--warmup 3] [--variants b,a,c]
 *     [--rounds 2] [--ingest fixed|comedia] [--encode clip|live] [--budget-minutes 9]
 *     [--baseline DIR --baseline-worker BIN]
 *
 * --baseline adds variant (p): (b) with another mediasoup release, DIR being its package (say
 * an `npm install mediasoup@3.19.3` elsewhere) and BIN its worker; list it in --variants (p,b,a,c).
 *
 * Writes bench-results/sfu-fanout.json and bench-results/sfu-fanout.md at the repository root.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';

import { REPO_ROOT, benchMachine } from '@cascade/testing';
import * as mediasoup from 'mediasoup';

import {
  encodeClip,
  FfmpegSrtpSender,
  type IngestMode,
  newVideoStream,
  type VideoSource,
} from './ffmpeg-srtp';
import {
  type MeasuredProcess,
  sinkDelta,
  sleep,
  startCpuWindow,
  UdpSinks,
  withTimeout,
} from './measure';
import { type Conditions, type Measurement, writeReport } from './report';
import { openNodeInfra, type NodeInfra } from './sfu-nodes';
import { sfuNodeApi } from './variant-api';
import { bareMediasoup, baselineMediasoup, type MediasoupLib } from './variant-bare';
import { sfuNodePipe } from './variant-pipe';
import { Disposer, type FanoutSetup, type Variant } from './variant';

interface Options {
  sizes: number[];
  seconds: number;
  warmup: number;
  variants: Array<Variant['key']>;
  ingest: IngestMode;
  encode: 'clip' | 'live';
  rounds: number;
  budgetMinutes: number;
  baseline?: { dir: string; workerBin: string };
}

const SINK_SOCKETS = 4;
const SETUP_TIMEOUT_MS = 120_000;

const NOISE_NOTE =
  'The machine is shared and noisy: absolute numbers move from run to run. What matters are the ' +
  'ratios between variants measured side by side in one run: for each N the variants run back ' +
  'to back, each with a fresh worker or node and a fresh ffmpeg, in alternating order over ' +
  'the rounds (b,a,c then c,a,b), and the tables use the median over the rounds.';

function parseOptions(argv: string[]): Options {
  const { values } = parseArgs({
    args: argv,
    options: {
      sizes: { type: 'string', default: '10,50,100,200' },
      seconds: { type: 'string', default: '10' },
      warmup: { type: 'string', default: '3' },
      variants: { type: 'string', default: 'b,a,c' },
      ingest: { type: 'string', default: 'fixed' },
      encode: { type: 'string', default: 'clip' },
      rounds: { type: 'string', default: '2' },
      // Past this, no new measurement starts; the results so far are written.
      'budget-minutes': { type: 'string', default: '9' },
      baseline: { type: 'string' },
      'baseline-worker': { type: 'string' },
    },
  });
  const sizes = values.sizes.split(',').map(Number);
  const variants = values.variants.split(',') as Options['variants'];
  const options = {
    sizes,
    seconds: Number(values.seconds),
    warmup: Number(values.warmup),
    variants,
    ingest: values.ingest as IngestMode,
    encode: values.encode as Options['encode'],
    rounds: Number(values.rounds),
    budgetMinutes: Number(values['budget-minutes']),
    ...(values.baseline
      ? { baseline: { dir: values.baseline, workerBin: values['baseline-worker'] ?? '' } }
      : {}),
  };
  if (!Number.isInteger(options.rounds) || options.rounds < 1 || options.rounds > 10)
    throw new Error('--rounds must be 1–10');
  if (!['clip', 'live'].includes(options.encode))
    throw new Error(`--encode must be clip or live, got ${values.encode}`);
  if (!['fixed', 'comedia'].includes(options.ingest))
    throw new Error(`--ingest must be fixed or comedia, got ${values.ingest}`);
  if (sizes.some((n) => !Number.isInteger(n) || n < 1 || n > 500))
    throw new Error(`--sizes must be integers from 1 to 500, got ${values.sizes}`);
  if (!(options.seconds >= 1 && options.seconds <= 120)) throw new Error('--seconds must be 1–120');
  if (!(options.warmup >= 0 && options.warmup <= 30)) throw new Error('--warmup must be 0–30');
  if (variants.some((v) => !['a', 'b', 'c', 'p'].includes(v)))
    throw new Error(
      `--variants must be a comma-separated subset of p,b,a,c, got ${values.variants}`,
    );
  if (!(options.budgetMinutes >= 1 && options.budgetMinutes <= 60))
    throw new Error('--budget-minutes must be 1–60');
  if (variants.includes('p') !== (options.baseline !== undefined))
    throw new Error('variant p and --baseline DIR --baseline-worker BIN go together');
  if (options.baseline) {
    if (!existsSync(join(options.baseline.dir, 'package.json')))
      throw new Error(`--baseline ${options.baseline.dir} is not a package directory`);
    if (!existsSync(options.baseline.workerBin))
      throw new Error(
        `--baseline-worker ${options.baseline.workerBin || '(missing)'} does not exist`,
      );
  }
  return options;
}

/** The variants by key, sharing one lazily provisioned NATS for the sfu-node ones. */
function variantsOf(
  nodeInfra: () => Promise<NodeInfra>,
  baseline: Options['baseline'],
): Partial<Record<Variant['key'], Variant>> {
  return {
    a: sfuNodeApi(nodeInfra),
    b: bareMediasoup,
    c: sfuNodePipe(nodeInfra),
    ...(baseline
      ? {
          p: baselineMediasoup(loadBaseline(baseline.dir, baseline.workerBin), baseline.workerBin),
        }
      : {}),
  };
}

/**
 * Another mediasoup release's module, from its package directory. mediasoup up to 3.19 takes its
 * worker binary from MEDIASOUP_WORKER_BIN as the module loads: it is set to the baseline's
 * worker for that moment.
 */
function loadBaseline(dir: string, workerBin: string): MediasoupLib {
  const current = process.env['MEDIASOUP_WORKER_BIN'];
  process.env['MEDIASOUP_WORKER_BIN'] = workerBin;
  try {
    return createRequire(join(dir, 'package.json'))(dir) as MediasoupLib;
  } finally {
    if (current === undefined) delete process.env['MEDIASOUP_WORKER_BIN'];
    else process.env['MEDIASOUP_WORKER_BIN'] = current;
  }
}

/** What the run holds, and what the measurement in progress holds, for a stop to clean up. */
const runScope = new Disposer();
let current: Disposer | undefined;

async function measure(
  variant: Variant,
  consumers: number,
  round: number,
  source: VideoSource,
  o: Options,
): Promise<Measurement> {
  const base = { variant: variant.key, label: variant.label, consumers, round };
  const disposer = (current = new Disposer());
  try {
    const sinks = await UdpSinks.open(SINK_SOCKETS);
    disposer.defer('close the UDP sinks', () => sinks.close());
    const stream = await newVideoStream(o.ingest);
    const setup = await withTimeout(
      `setting up (${variant.key}) with ${consumers} consumers`,
      SETUP_TIMEOUT_MS,
      variant.setup({ consumers, stream, sinks, disposer }),
    );
    const ffmpeg = FfmpegSrtpSender.start(setup.ingest, stream, source, senderSeconds(o));
    disposer.defer('stop ffmpeg', () => ffmpeg.stop());
    await sleep(o.warmup * 1000);
    if (!ffmpeg.running || ffmpeg.pid === undefined)
      throw new Error(`ffmpeg is not running after the warm-up: ${ffmpeg.output()}`);
    const extra: MeasuredProcess[] = [
      { role: 'ffmpeg', pid: ffmpeg.pid },
      { role: 'bench', pid: process.pid },
    ];
    const processes = [...setup.processes, ...extra];
    const result = await window(setup, processes, sinks, consumers, o.seconds);
    if (!ffmpeg.running) throw new Error(`ffmpeg stopped while measuring: ${ffmpeg.output()}`);
    return { ...base, ...result };
  } catch (error) {
    return { ...base, error: (error as Error).message };
  } finally {
    await disposer.dispose();
    current = undefined;
  }
}

/** The measurement window proper: CPU, memory and packets over `seconds`. */
async function window(
  setup: FanoutSetup,
  processes: MeasuredProcess[],
  sinks: UdpSinks,
  consumers: number,
  seconds: number,
): Promise<Omit<Measurement, 'variant' | 'label' | 'consumers' | 'round'>> {
  const statsBefore = await setup.consumerPacketCount?.();
  const sinkBefore = sinks.snapshot();
  const end = startCpuWindow(processes);
  await sleep(seconds * 1000);
  const { elapsedSeconds, usage, machineBusyCores } = end();
  const sink = sinkDelta(sinkBefore, sinks.snapshot());
  const statsAfter = await setup.consumerPacketCount?.();

  const worker = usage.find((u) => u.role === 'worker')!;
  const rtpPps = sink.rtp / elapsedSeconds;
  return {
    seconds: elapsedSeconds,
    processes: usage,
    machineBusyCores,
    sink: {
      rtpPps,
      rtcpPps: sink.rtcp / elapsedSeconds,
      probationPps: sink.probation / elapsedSeconds,
      activeConsumers: sink.activeSenders,
    },
    consumerStatsPps:
      statsBefore === undefined || statsAfter === undefined
        ? undefined
        : (statsAfter - statsBefore) / elapsedSeconds,
    derived: {
      workerCpuPct: worker.cpu * 100,
      workerCpuPerConsumerPct: (worker.cpu * 100) / consumers,
      ppsPerCore: worker.cpu > 0 ? rtpPps / worker.cpu : 0,
      workerRssMiB: worker.rssMiB,
    },
  };
}

function conditions(o: Options): Conditions {
  return {
    date: new Date().toISOString(),
    machine: benchMachine(),
    node: process.version,
    mediasoup: mediasoup.version,
    workerBinary: mediasoup.workerBin,
    ...(o.baseline
      ? {
          baseline: {
            mediasoup: (
              createRequire(join(o.baseline.dir, 'package.json'))('./package.json') as {
                version: string;
              }
            ).version,
            workerBinary: o.baseline.workerBin,
          },
        }
      : {}),
    ffmpeg: execFileSync('ffmpeg', ['-hide_banner', '-version']).toString().split('\n')[0]!,
    stream:
      '1280x720@30 lavfi testsrc, libvpx realtime cpu-used 8, 1 Mbps, GOP 60, SRTP ' +
      'AES_CM_128_HMAC_SHA1_80',
    sizes: o.sizes,
    variants: o.variants,
    secondsPerMeasurement: o.seconds,
    rounds: o.rounds,
    warmupSeconds: o.warmup,
    ingest: o.ingest,
    encode: o.encode,
    method:
      'CPU = utime+stime from /proc/<pid>/stat over the window, as a fraction of one core ' +
      '(10 ms ticks: ±0.1 % of a core over 10 s; the JSON also has the ns-resolution schedstat ' +
      'sum over threads); RSS = ' +
      'VmRSS at the end of the window; outbound pps = RTP packets received by the UDP sinks ' +
      '(cross-checked against consumer getStats() packetCount in (b)); per consumer = worker CPU / N; ' +
      'pps per core = outbound pps / worker CPU fraction.',
    note: NOISE_NOTE,
  };
}

/** How long ffmpeg sends: the warm-up and the window, plus slack for the setup around them. */
const senderSeconds = (o: Options) => o.warmup + o.seconds + 5;

/** The clip for `--encode clip`, in a temporary directory removed by `disposer`. */
async function prepareSource(o: Options, disposer: Disposer): Promise<VideoSource> {
  if (o.encode === 'live') return { kind: 'live' };
  const dir = mkdtempSync(join(tmpdir(), 'sfu-fanout-'));
  disposer.defer('remove the clip', () => rmSync(dir, { recursive: true, force: true }));
  const path = join(dir, 'camera-720p30-vp8-1mbps.ivf');
  await encodeClip(path, senderSeconds(o));
  return { kind: 'clip', path };
}

async function run(o: Options): Promise<void> {
  const budgetMs = o.budgetMinutes * 60_000;
  const deadline = Date.now() + budgetMs;
  let nodeInfra: Promise<NodeInfra> | undefined;
  const variants = variantsOf(() => (nodeInfra ??= openNodeInfra()), o.baseline);
  const cond = conditions(o);
  const measurements: Measurement[] = [];
  const out = join(REPO_ROOT, 'bench-results');
  try {
    const source = await prepareSource(o, runScope);
    for (const { consumers, round, key } of schedule(o)) {
      if (Date.now() > deadline) {
        console.error(`bench: over the ${o.budgetMinutes} min budget; stopping early`);
        break;
      }
      const m = await measure(variants[key]!, consumers, round, source, o);
      measurements.push(m);
      console.log(summary(m));
      writeReport(out, cond, measurements); // partial results survive a later failure
    }
  } finally {
    if (nodeInfra) await (await nodeInfra.catch(() => undefined))?.close();
    await runScope.dispose();
  }
  const files = writeReport(out, cond, measurements);
  console.log(`bench: wrote ${files.json} and ${files.markdown}`);
}

/** For each size, every round runs every variant; even rounds in reverse order. */
function* schedule(o: Options) {
  for (const consumers of o.sizes)
    for (let round = 1; round <= o.rounds; round++) {
      const order = round % 2 === 1 ? o.variants : [...o.variants].reverse();
      for (const key of order) yield { consumers, round, key };
    }
}

function summary(m: Measurement): string {
  const head = `N=${String(m.consumers).padStart(3)} #${m.round} (${m.variant}) ${m.label.padEnd(18)}`;
  if (m.error) return `${head} FAILED: ${m.error}`;
  const d = m.derived!;
  return (
    `${head} worker ${d.workerCpuPct.toFixed(1)}% (${d.workerCpuPerConsumerPct.toFixed(3)}%/consumer), ` +
    `${Math.round(m.sink!.rtpPps)} pps, ${Math.round(d.ppsPerCore)} pps/core, ` +
    `RSS ${d.workerRssMiB.toFixed(1)} MiB, ${m.sink!.activeConsumers}/${m.consumers} receiving, ` +
    `machine busy ${m.machineBusyCores!.toFixed(2)} cores`
  );
}

/** On a signal or a hard timeout: clean up the measurement in progress, then leave. */
function installStops(hardStopMs: number): void {
  const stop = (why: string, code: number) => {
    console.error(`bench: ${why}; cleaning up`);
    void (current?.dispose(2_000) ?? Promise.resolve())
      .then(() => runScope.dispose(2_000))
      .finally(() => process.exit(code));
  };
  process.once('SIGINT', () => stop('interrupted', 130));
  process.once('SIGTERM', () => stop('terminated', 143));
  setTimeout(() => stop(`still running after ${hardStopMs / 60_000} min`, 3), hardStopMs).unref();
}

const options = parseOptions(process.argv.slice(3));
installStops((options.budgetMinutes + 3) * 60_000);
run(options)
  .then(() => process.exit(0))
  .catch((error) => {
    console.error(error);
    process.exit(1);
  });
