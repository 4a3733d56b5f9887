import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

import type { BenchMachine } from '@cascade/testing';

import type { ProcessUsage } from './measure';

type VariantKey = 'a' | 'b' | 'c' | 'p';

/** One variant at one size in one round. */
export interface Measurement {
  variant: VariantKey;
  label: string;
  consumers: number;
  round: number;
  /** Length of the CPU window, seconds. */
  seconds?: number;
  /** Every measured process: worker(s), sfu-node(s), ffmpeg, the bench process itself. */
  processes?: ProcessUsage[];
  /** Busy CPU of the whole machine over the window, in cores: the noise indicator. */
  machineBusyCores?: number;
  /** Packets per second at the sinks (media RTP, RTCP, probation); consumers that sent RTP. */
  sink?: { rtpPps: number; rtcpPps: number; probationPps: number; activeConsumers: number };
  /** Outbound RTP packets per second from the consumers' own stats (bare mediasoup only). */
  consumerStatsPps?: number;
  derived?: {
    /** Worker CPU, % of one core (for (c): node B's worker). */
    workerCpuPct: number;
    workerCpuPerConsumerPct: number;
    /** Outbound RTP packets per second (at the sinks) per core of worker CPU. */
    ppsPerCore: number;
    workerRssMiB: number;
  };
  error?: string;
}

export interface Conditions {
  date: string;
  machine: BenchMachine;
  node: string;
  mediasoup: string;
  workerBinary: string;
  /** Variant (p): the same as (b) with this mediasoup release and worker. */
  baseline?: { mediasoup: string; workerBinary: string };
  ffmpeg: string;
  stream: string;
  sizes: number[];
  variants: string[];
  secondsPerMeasurement: number;
  rounds: number;
  warmupSeconds: number;
  ingest: string;
  encode: string;
  method: string;
  note: string;
}

/** One variant at one size: medians over the rounds that succeeded. */
export interface Summary {
  variant: VariantKey;
  label: string;
  consumers: number;
  rounds: number;
  failures: number;
  workerCpuPct: number;
  workerCpuPerConsumerPct: number;
  /** Lowest and highest per-consumer value over the rounds. */
  perConsumerRange: [number, number];
  rtpPps: number;
  ppsPerCore: number;
  workerRssMiB: number;
  nodeCpuPct?: number;
  nodeRssMiB?: number;
  pipeWorkerCpuPct?: number;
  pipeWorkerRssMiB?: number;
  pipeNodeCpuPct?: number;
  /** Fewest consumers that received anything, over the rounds. */
  activeConsumers: number;
}

export interface Ratios {
  consumers: number;
  /** (a)/(b) of worker CPU per consumer; goal ≤ 1.05. */
  apiOverBare?: number;
  /** (c)/(a) of worker CPU per consumer (B's worker in (c)); goal ≤ 1.10. */
  pipeOverApi?: number;
  /** CPU of node A's worker in (c), % of one core: the fixed cost of ingesting and piping. */
  pipeFixedCostPct?: number;
  /** (b)/(p) of worker CPU per consumer: this mediasoup release over the baseline release. */
  bareOverBaseline?: number;
}

/** Least-squares line through every measurement of a variant: worker CPU % = fixed + slope × N. */
export interface Fit {
  variant: VariantKey;
  label: string;
  /** Marginal worker CPU per consumer, % of one core. */
  perConsumerPct: number;
  /** Worker CPU at N = 0, % of one core: what does not scale with the consumers. */
  fixedPct: number;
  points: number;
}

export const GOALS = { apiOverBare: 1.05, pipeOverApi: 1.1 };

export function fits(measurements: Measurement[]): Fit[] {
  const byVariant = new Map<VariantKey, Measurement[]>();
  for (const m of measurements)
    if (m.derived) byVariant.set(m.variant, [...(byVariant.get(m.variant) ?? []), m]);
  const result: Fit[] = [];
  for (const [variant, ms] of byVariant) {
    const xs = ms.map((m) => m.consumers);
    const ys = ms.map((m) => m.derived!.workerCpuPct);
    const mean = (v: number[]) => v.reduce((a, b) => a + b, 0) / v.length;
    const mx = mean(xs);
    const my = mean(ys);
    const sxx = xs.reduce((a, x) => a + (x - mx) ** 2, 0);
    if (sxx === 0) continue; // one size only: no slope
    const slope = xs.reduce((a, x, i) => a + (x - mx) * (ys[i]! - my), 0) / sxx;
    result.push({
      variant,
      label: ms[0]!.label,
      perConsumerPct: slope,
      fixedPct: my - slope * mx,
      points: ms.length,
    });
  }
  return result;
}

function median(values: number[]): number {
  const sorted = [...values].sort((x, y) => x - y);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

function usageOf(m: Measurement, role: string): ProcessUsage | undefined {
  return m.processes?.find((p) => p.role === role);
}

/** Median of `pick` over the measurements that have it, or undefined if none has. */
function medianOf(ms: Measurement[], pick: (m: Measurement) => number | undefined) {
  const values = ms.map(pick).filter((v): v is number => v !== undefined);
  return values.length > 0 ? median(values) : undefined;
}

export function summarize(measurements: Measurement[]): Summary[] {
  const groups = new Map<string, Measurement[]>();
  for (const m of measurements) {
    const key = `${m.consumers}/${m.variant}`;
    groups.set(key, [...(groups.get(key) ?? []), m]);
  }
  const summaries: Summary[] = [];
  for (const group of groups.values()) {
    const ok = group.filter((m) => m.derived);
    if (ok.length === 0) continue;
    const perConsumer = ok.map((m) => m.derived!.workerCpuPerConsumerPct);
    const cpuPct = (role: string) => medianOf(ok, (m) => pct(usageOf(m, role)?.cpu));
    const rss = (role: string) => medianOf(ok, (m) => usageOf(m, role)?.rssMiB);
    summaries.push({
      variant: group[0]!.variant,
      label: group[0]!.label,
      consumers: group[0]!.consumers,
      rounds: ok.length,
      failures: group.length - ok.length,
      workerCpuPct: median(ok.map((m) => m.derived!.workerCpuPct)),
      workerCpuPerConsumerPct: median(perConsumer),
      perConsumerRange: [Math.min(...perConsumer), Math.max(...perConsumer)],
      rtpPps: median(ok.map((m) => m.sink!.rtpPps)),
      ppsPerCore: median(ok.map((m) => m.derived!.ppsPerCore)),
      workerRssMiB: median(ok.map((m) => m.derived!.workerRssMiB)),
      nodeCpuPct: cpuPct('node'),
      nodeRssMiB: rss('node'),
      pipeWorkerCpuPct: cpuPct('pipe-worker'),
      pipeWorkerRssMiB: rss('pipe-worker'),
      pipeNodeCpuPct: cpuPct('pipe-node'),
      activeConsumers: Math.min(...ok.map((m) => m.sink!.activeConsumers)),
    });
  }
  return summaries;
}

const pct = (fraction: number | undefined) => (fraction === undefined ? undefined : fraction * 100);

export function ratios(summaries: Summary[], sizes: number[]): Ratios[] {
  const find = (variant: VariantKey, n: number) =>
    summaries.find((s) => s.variant === variant && s.consumers === n);
  const divide = (x?: number, y?: number) => (x !== undefined && y ? x / y : undefined);
  return sizes.map((n) => ({
    consumers: n,
    apiOverBare: divide(
      find('a', n)?.workerCpuPerConsumerPct,
      find('b', n)?.workerCpuPerConsumerPct,
    ),
    pipeOverApi: divide(
      find('c', n)?.workerCpuPerConsumerPct,
      find('a', n)?.workerCpuPerConsumerPct,
    ),
    pipeFixedCostPct: find('c', n)?.pipeWorkerCpuPct,
    bareOverBaseline: divide(
      find('b', n)?.workerCpuPerConsumerPct,
      find('p', n)?.workerCpuPerConsumerPct,
    ),
  }));
}

export function writeReport(
  dir: string,
  conditions: Conditions,
  measurements: Measurement[],
): { json: string; markdown: string } {
  mkdirSync(dir, { recursive: true });
  const summaries = summarize(measurements);
  const table = ratios(summaries, conditions.sizes);
  const lines = fits(measurements);
  const json = join(dir, 'sfu-fanout.json');
  const markdown = join(dir, 'sfu-fanout.md');
  const document = {
    conditions,
    goals: GOALS,
    ratios: table,
    fits: lines,
    summaries,
    measurements,
  };
  writeFileSync(json, `${JSON.stringify(document, null, 2)}\n`);
  writeFileSync(markdown, renderMarkdown(conditions, measurements, summaries, table, lines));
  return { json, markdown };
}

const fixed = (x: number | undefined, digits = 1) => (x === undefined ? '–' : x.toFixed(digits));
const thousands = (x: number | undefined) =>
  x === undefined ? '–' : Math.round(x).toLocaleString('en-US');
const verdict = (x: number | undefined, goal: number) =>
  x === undefined ? '' : x <= goal ? ' ✓' : ' ✗';

function renderMarkdown(
  c: Conditions,
  measurements: Measurement[],
  summaries: Summary[],
  table: Ratios[],
  lines: Fit[],
): string {
  return [
    ...header(c),
    ...summaryTable(summaries),
    ...ratioTable(table),
    ...fitTable(lines),
    ...detailTable(measurements),
    ...failures(measurements),
  ].join('\n');
}

function header(c: Conditions): string[] {
  return [
    '# SFU fan-out benchmark',
    '',
    `One ${c.stream} producer fanned out to N consumers, each on its own SRTP PlainTransport ` +
      'sending to a local UDP sink. Variants: (b) bare mediasoup in the bench process, ' +
      '(a) one sfu-node driven over its NATS control API, (c) producer on sfu-node A piped to ' +
      "node B, consumers on B (B's worker is the one that scales with N; A's is the fixed cost)" +
      (c.baseline
        ? `, (p) the same as (b) with mediasoup ${c.baseline.mediasoup} and its worker, to ` +
          'compare the releases side by side.'
        : '.'),
    '',
    `> ${c.note}`,
    '',
    '## Conditions',
    '',
    `- Date: ${c.date}`,
    `- Machine: ${c.machine.cpuModel}, ${c.machine.cores} cores, ` +
      `${c.machine.totalMemoryGiB.toFixed(1)} GiB, kernel ${c.machine.kernel}, ` +
      `load average at start ${c.machine.loadAverageAtStart.map((l) => l.toFixed(2)).join(' ')}`,
    `- Node ${c.node}, mediasoup ${c.mediasoup}, worker binary \`${c.workerBinary}\``,
    ...(c.baseline
      ? [
          `- Baseline (p): mediasoup ${c.baseline.mediasoup}, worker binary ` +
            `\`${c.baseline.workerBinary}\``,
        ]
      : []),
    `- ${c.ffmpeg}`,
    `- Sizes ${c.sizes.join(', ')}; variants ${c.variants.join(', ')}; ${c.rounds} round(s); ` +
      `${c.warmupSeconds} s warm-up, then ${c.secondsPerMeasurement} s per measurement`,
    `- Frames: ${
      c.encode === 'clip'
        ? 'encoded once per run with these settings, then sent by ffmpeg with -re -c copy ' +
          '(the same packets in every measurement, no encoder competing for CPU)'
        : 'encoded live by the sending ffmpeg'
    }; RTP packets ≤ 1200 bytes (pkt_size)`,
    `- Ingest: ${
      c.ingest === 'fixed'
        ? 'ffmpeg sends from fixed local ports; the ingest PlainTransport is connected to them ' +
          '(comedia off)'
        : 'comedia PlainTransport, connected with the SRTP key only'
    }`,
    `- Method: ${c.method}`,
    '',
  ];
}

function summaryTable(summaries: Summary[]): string[] {
  return [
    '## Results (median over rounds)',
    '',
    '| N | variant | worker CPU % | per consumer % (min–max) | outbound pps | pps per core ' +
      '| worker RSS MiB | node CPU % | node RSS MiB | receiving |',
    '|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|',
    ...summaries.map(
      (s) =>
        `| ${s.consumers} | (${s.variant}) ${s.label} | ${fixed(s.workerCpuPct)} ` +
        `| ${fixed(s.workerCpuPerConsumerPct, 3)} (${fixed(s.perConsumerRange[0], 3)}–` +
        `${fixed(s.perConsumerRange[1], 3)}) | ${thousands(s.rtpPps)} | ${thousands(s.ppsPerCore)} ` +
        `| ${fixed(s.workerRssMiB)} | ${fixed(s.nodeCpuPct)} | ${fixed(s.nodeRssMiB)} ` +
        `| ${s.activeConsumers}/${s.consumers} |`,
    ),
    '',
  ];
}

function ratioTable(table: Ratios[]): string[] {
  const baseline = table.some((r) => r.bareOverBaseline !== undefined);
  return [
    '## Ratios of worker CPU per consumer',
    '',
    `| N | (a)/(b), goal ≤ ${GOALS.apiOverBare} | (c)/(a), goal ≤ ${GOALS.pipeOverApi} ` +
      '| (c) fixed pipe cost: node A worker CPU % |' +
      (baseline ? ' (b)/(p): this release over the baseline |' : ''),
    `|---:|---:|---:|---:|${baseline ? '---:|' : ''}`,
    ...table.map(
      (r) =>
        `| ${r.consumers} | ${fixed(r.apiOverBare, 2)}${verdict(r.apiOverBare, GOALS.apiOverBare)} ` +
        `| ${fixed(r.pipeOverApi, 2)}${verdict(r.pipeOverApi, GOALS.pipeOverApi)} ` +
        `| ${fixed(r.pipeFixedCostPct)} |` +
        (baseline ? ` ${fixed(r.bareOverBaseline, 2)} |` : ''),
    ),
    '',
  ];
}

function fitTable(lines: Fit[]): string[] {
  if (lines.length === 0) return [];
  const slope = (v: VariantKey) => lines.find((l) => l.variant === v)?.perConsumerPct;
  const divide = (x?: number, y?: number) => (x !== undefined && y ? x / y : undefined);
  const apiOverBare = divide(slope('a'), slope('b'));
  const pipeOverApi = divide(slope('c'), slope('a'));
  const bareOverBaseline = divide(slope('b'), slope('p'));
  return [
    '## Linear fit over all sizes and rounds: worker CPU % = fixed + per consumer × N',
    '',
    'Separates what scales with the consumers from what does not (ingest, pipe, the node’s own ' +
      'periodic work), and uses every measurement at once, so it is steadier than any one ratio.',
    '',
    '| variant | per consumer % | fixed % | measurements |',
    '|---|---:|---:|---:|',
    ...lines.map(
      (l) =>
        `| (${l.variant}) ${l.label} | ${fixed(l.perConsumerPct, 4)} | ${fixed(l.fixedPct, 2)} ` +
        `| ${l.points} |`,
    ),
    '',
    `Per-consumer slope ratios: (a)/(b) ${fixed(apiOverBare, 3)}` +
      `${verdict(apiOverBare, GOALS.apiOverBare)}, (c)/(a) ${fixed(pipeOverApi, 3)}` +
      `${verdict(pipeOverApi, GOALS.pipeOverApi)}` +
      (bareOverBaseline === undefined
        ? '.'
        : `, (b)/(p) ${fixed(bareOverBaseline, 3)} (this mediasoup release over the baseline).`),
    '',
  ];
}

function detailTable(measurements: Measurement[]): string[] {
  const cpu = (m: Measurement, role: string) => fixed(pct(usageOf(m, role)?.cpu));
  return [
    '## Every measurement',
    '',
    '| N | round | variant | worker CPU % (schedstat) | sink RTP pps | consumer-stats pps ' +
      '| RTCP pps | probation pps | node A (pipe) worker / node CPU % | ffmpeg CPU % ' +
      '| bench CPU % | machine busy, cores |',
    '|---:|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|',
    ...measurements.map(
      (m) =>
        `| ${m.consumers} | ${m.round} | (${m.variant}) | ${cpu(m, 'worker')} ` +
        `(${fixed(pct(usageOf(m, 'worker')?.cpuSchedstat), 2)}) | ${thousands(m.sink?.rtpPps)} ` +
        `| ${thousands(m.consumerStatsPps)} | ${thousands(m.sink?.rtcpPps)} ` +
        `| ${thousands(m.sink?.probationPps)} ` +
        `| ${cpu(m, 'pipe-worker')} / ${cpu(m, 'pipe-node')} | ${cpu(m, 'ffmpeg')} ` +
        `| ${cpu(m, 'bench')} | ${fixed(m.machineBusyCores, 2)} |`,
    ),
    '',
  ];
}

function failures(measurements: Measurement[]): string[] {
  const failed = measurements.filter((m) => m.error);
  if (failed.length === 0) return [];
  return [
    '## Failures',
    '',
    ...failed.map(
      (m) =>
        `- N=${m.consumers} round ${m.round} (${m.variant}) ${m.label}: ` +
        `\`${m.error!.replace(/`/g, "'")}\``,
    ),
    '',
  ];
}
