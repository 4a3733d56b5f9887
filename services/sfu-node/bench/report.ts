import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

import type { ProcessUsage } from './measure';

/** One variant at one size. */
export interface Measurement {
  variant: 'a' | 'b' | 'c';
  label: string;
  consumers: number;
  /** Length of the CPU window, seconds. */
  seconds?: number;
  /** Every measured process: worker(s), sfu-node(s), ffmpeg, the bench process itself. */
  processes?: ProcessUsage[];
  /** Packets per second received by the sinks (media RTP, RTCP, probation); consumers that sent RTP. */
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
  machine: {
    cpuModel: string;
    cores: number;
    totalMemoryGiB: number;
    kernel: string;
    loadAverageAtStart: number[];
  };
  node: string;
  mediasoup: string;
  workerBinary: string;
  ffmpeg: string;
  stream: string;
  sizes: number[];
  variants: string[];
  secondsPerMeasurement: number;
  warmupSeconds: number;
  ingest: string;
  method: string;
  note: string;
}

export interface Ratios {
  consumers: number;
  /** (a)/(b) of worker CPU per consumer; goal ≤ 1.05. */
  apiOverBare?: number;
  /** (c)/(a) of worker CPU per consumer (B's worker in (c)); goal ≤ 1.10. */
  pipeOverApi?: number;
  /** CPU of node A's worker in (c), % of one core: the fixed cost of ingesting and piping. */
  pipeFixedCostPct?: number;
}

export const GOALS = { apiOverBare: 1.05, pipeOverApi: 1.1 };

export function ratios(measurements: Measurement[], sizes: number[]): Ratios[] {
  const perConsumer = (variant: string, n: number) =>
    measurements.find((m) => m.variant === variant && m.consumers === n)?.derived
      ?.workerCpuPerConsumerPct;
  const divide = (x?: number, y?: number) => (x !== undefined && y ? x / y : undefined);
  return sizes.map((n) => {
    const c = measurements.find((m) => m.variant === 'c' && m.consumers === n);
    return {
      consumers: n,
      apiOverBare: divide(perConsumer('a', n), perConsumer('b', n)),
      pipeOverApi: divide(perConsumer('c', n), perConsumer('a', n)),
      pipeFixedCostPct: usageOf(c, 'pipe-worker', (u) => u.cpu * 100),
    };
  });
}

export function usageOf(
  m: Measurement | undefined,
  role: string,
  pick: (u: ProcessUsage) => number,
): number | undefined {
  const usage = m?.processes?.find((p) => p.role === role);
  return usage ? pick(usage) : undefined;
}

export function writeReport(
  dir: string,
  conditions: Conditions,
  measurements: Measurement[],
): { json: string; markdown: string } {
  mkdirSync(dir, { recursive: true });
  const table = ratios(measurements, conditions.sizes);
  const json = join(dir, 'sfu-fanout.json');
  const markdown = join(dir, 'sfu-fanout.md');
  writeFileSync(
    json,
    `${JSON.stringify({ conditions, goals: GOALS, ratios: table, measurements }, null, 2)}\n`,
  );
  writeFileSync(markdown, renderMarkdown(conditions, measurements, table));
  return { json, markdown };
}

const fixed = (x: number | undefined, digits = 1) => (x === undefined ? '–' : x.toFixed(digits));
const thousands = (x: number | undefined) =>
  x === undefined ? '–' : Math.round(x).toLocaleString('en-US');
const verdict = (x: number | undefined, goal: number) =>
  x === undefined ? '' : x <= goal ? ' ✓' : ' ✗';

function renderMarkdown(c: Conditions, measurements: Measurement[], table: Ratios[]): string {
  const lines = [
    '# SFU fan-out benchmark',
    '',
    `One ${c.stream} producer fanned out to N consumers, each on its own SRTP PlainTransport ` +
      'sending to a local UDP sink. Variants: (b) bare mediasoup in the bench process, ' +
      "(a) one sfu-node driven over its NATS control API, (c) producer on sfu-node A piped to B's consumers.",
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
    `- ${c.ffmpeg}`,
    `- Sizes ${c.sizes.join(', ')}; variants ${c.variants.join(', ')}; ` +
      `${c.warmupSeconds} s warm-up, then ${c.secondsPerMeasurement} s per measurement`,
    `- Ingest: ${c.ingest === 'fixed' ? 'ffmpeg sends from fixed local ports; the ingest PlainTransport is connected to them (comedia off)' : 'comedia PlainTransport, connected with the SRTP key only'}`,
    `- Method: ${c.method}`,
    '',
    '## Results',
    '',
    '| N | variant | worker CPU % | per consumer % | outbound pps | pps per core | worker RSS MiB ' +
      '| node CPU % | node RSS MiB | consumers receiving |',
    '|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|',
  ];
  for (const m of measurements) {
    const d = m.derived;
    lines.push(
      `| ${m.consumers} | (${m.variant}) ${m.label} | ${fixed(d?.workerCpuPct)} | ` +
        `${fixed(d?.workerCpuPerConsumerPct, 3)} | ${thousands(m.sink?.rtpPps)} | ` +
        `${thousands(d?.ppsPerCore)} | ${fixed(d?.workerRssMiB)} | ` +
        `${fixed(usageOf(m, 'node', (u) => u.cpu * 100))} | ` +
        `${fixed(usageOf(m, 'node', (u) => u.rssMiB))} | ` +
        `${m.error ? `failed: see below` : `${m.sink?.activeConsumers ?? '–'}/${m.consumers}`} |`,
    );
  }
  lines.push(
    '',
    '## Ratios of worker CPU per consumer',
    '',
    `| N | (a)/(b), goal ≤ ${GOALS.apiOverBare} | (c)/(a), goal ≤ ${GOALS.pipeOverApi} ` +
      '| (c) pipe fixed cost: node A worker CPU % |',
    '|---:|---:|---:|---:|',
    ...table.map(
      (r) =>
        `| ${r.consumers} | ${fixed(r.apiOverBare, 3)}${verdict(r.apiOverBare, GOALS.apiOverBare)} ` +
        `| ${fixed(r.pipeOverApi, 3)}${verdict(r.pipeOverApi, GOALS.pipeOverApi)} ` +
        `| ${fixed(r.pipeFixedCostPct)} |`,
    ),
    '',
    '## Context per measurement',
    '',
    '| N | variant | window s | sink RTP pps | consumer-stats pps | sink RTCP pps | sink probation pps | ffmpeg CPU % ' +
      '| bench process CPU % | node A (pipe) CPU % | node A worker RSS MiB |',
    '|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|',
    ...measurements.map(
      (m) =>
        `| ${m.consumers} | (${m.variant}) | ${fixed(m.seconds, 2)} | ${thousands(m.sink?.rtpPps)} ` +
        `| ${thousands(m.consumerStatsPps)} | ${thousands(m.sink?.rtcpPps)} ` +
        `| ${thousands(m.sink?.probationPps)} ` +
        `| ${fixed(usageOf(m, 'ffmpeg', (u) => u.cpu * 100))} ` +
        `| ${fixed(usageOf(m, 'bench', (u) => u.cpu * 100))} ` +
        `| ${fixed(usageOf(m, 'pipe-node', (u) => u.cpu * 100))} ` +
        `| ${fixed(usageOf(m, 'pipe-worker', (u) => u.rssMiB))} |`,
    ),
  );
  const failed = measurements.filter((m) => m.error);
  if (failed.length > 0) {
    lines.push('', '## Failures', '');
    for (const m of failed)
      lines.push(
        `- N=${m.consumers} (${m.variant}) ${m.label}: \`${m.error!.replace(/`/g, "'")}\``,
      );
  }
  return `${lines.join('\n')}\n`;
}
