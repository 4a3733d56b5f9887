import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { dirname, join } from 'node:path';

import { REPO_ROOT, benchMachine, writeFormatted } from '@cascade/testing';

import type { ProcessSample, StackSample } from './resources';

/** How many times each drill runs: 1 as a test, `DRILLS_REPEAT` (5) as the benchmark. */
export const REPEAT = Math.max(1, Number(process.env['DRILLS_REPEAT'] ?? 1) || 1);
/** Whether this run writes `bench-results/drills.{json,md}` (the benchmark does). */
export const WRITE_REPORT = process.env['DRILLS_REPORT'] === '1';

const JSON_PATH = join(REPO_ROOT, 'bench-results', 'drills.json');
const MD_PATH = join(REPO_ROOT, 'bench-results', 'drills.md');

export interface Goal {
  /** What the goal bounds, e.g. "media back after the kill, p95". */
  what: string;
  /** The p95 must stay at or below this (ms); for counts (lost messages), the total. */
  limit: number;
  unit: 'ms' | 'count';
}

export interface Figure {
  /** e.g. "kill → first decoded frame again, per client". */
  what: string;
  unit: 'ms' | 'count';
  samples: number[];
}

/** A table of the report (the soak's growth per process), rendered as it is. */
export interface Table {
  title: string;
  header: string[];
  rows: string[][];
}

export interface DrillResult {
  id: string;
  title: string;
  repetitions: number;
  /** The figure the goal applies to comes first. */
  figures: Figure[];
  goal?: Goal & { figure: string };
  /** What was lost or went wrong, in words (empty: nothing). */
  lost: string[];
  /** How the drill ran (sizes, configuration), and observations. */
  notes: string[];
  tables?: Table[];
  /** Raw measurements kept in the JSON only (the soak's resource samples). */
  data?: unknown;
  conditions: {
    date: string;
    loadAverageStart: number[];
    loadAverageEnd: number[];
    /**
     * What the drill ran on (the report's machine line is the last run's; a section can be
     * older): the processor, Node (every service and client) and mediasoup. Absent in sections
     * written before it was recorded.
     */
    platform?: Platform;
  };
}

export interface Platform {
  cpuModel: string;
  cores: number;
  node: string;
  mediasoup: string;
}

function platform(): Platform {
  const mediasoup = JSON.parse(
    readFileSync(join(REPO_ROOT, 'node_modules', 'mediasoup', 'package.json'), 'utf8'),
  ) as { version: string };
  return {
    cpuModel: cpus()[0]?.model ?? 'unknown',
    cores: cpus().length,
    node: process.version,
    mediasoup: mediasoup.version,
  };
}

export function percentile(samples: number[], p: number): number | undefined {
  if (samples.length === 0) return undefined;
  const sorted = [...samples].sort((a, b) => a - b);
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1];
}

/** A drill's figures, started when the drill starts. */
export class DrillRecorder {
  readonly figures = new Map<string, Figure>();
  readonly lost: string[] = [];
  readonly notes: string[] = [];
  readonly tables: Table[] = [];
  data: unknown;
  readonly #loadStart = loadavg();
  readonly #date = new Date().toISOString();
  repetitions = 0;

  constructor(
    readonly id: string,
    readonly title: string,
    readonly goal?: Goal & { figure: string },
  ) {}

  add(what: string, value: number, unit: 'ms' | 'count' = 'ms'): void {
    let figure = this.figures.get(what);
    if (!figure) this.figures.set(what, (figure = { what, unit, samples: [] }));
    figure.samples.push(Math.round(value));
  }

  result(): DrillResult {
    const figures = [...this.figures.values()];
    const goalFigure = this.goal?.figure;
    figures.sort((a, b) => Number(b.what === goalFigure) - Number(a.what === goalFigure));
    return {
      id: this.id,
      title: this.title,
      repetitions: this.repetitions,
      figures,
      ...(this.goal ? { goal: this.goal } : {}),
      lost: this.lost,
      notes: this.notes,
      ...(this.tables.length ? { tables: this.tables } : {}),
      ...(this.data === undefined ? {} : { data: this.data }),
      conditions: {
        date: this.#date,
        loadAverageStart: this.#loadStart,
        loadAverageEnd: loadavg(),
        platform: platform(),
      },
    };
  }

  /** Prints the figures, and merges them into the report when this run writes one. */
  async save(): Promise<void> {
    const result = this.result();
    process.stdout.write(`${summary(result)}\n`);
    if (!WRITE_REPORT) return;
    mkdirSync(dirname(JSON_PATH), { recursive: true });
    const existing = existsSync(JSON_PATH)
      ? (JSON.parse(readFileSync(JSON_PATH, 'utf8')) as { drills?: DrillResult[] })
      : {};
    const drills = (existing.drills ?? []).filter((d) => d.id !== result.id);
    drills.push(result);
    drills.sort((a, b) => ORDER.indexOf(a.id) - ORDER.indexOf(b.id));
    const report = { machine: { ...benchMachine(), cores: cpus().length }, drills };
    await writeFormatted(JSON_PATH, JSON.stringify(report, null, 2));
    await writeFormatted(MD_PATH, markdown(report.machine, drills));
  }
}

/** Writes `drills.md` again from `drills.json` (after a change to how the report reads). */
export async function rewriteMarkdown(): Promise<void> {
  const report = JSON.parse(readFileSync(JSON_PATH, 'utf8')) as {
    machine: Parameters<typeof markdown>[0];
    drills: DrillResult[];
  };
  await writeFormatted(MD_PATH, markdown(report.machine, report.drills));
}

const ORDER = [
  'node-kill',
  'gateway-kill',
  'leader-kill',
  'redis-cut',
  'nats-cut',
  'postgres-cut',
  'chat',
  'soak',
];

const fmt = (value: number | undefined, unit: 'ms' | 'count') =>
  value === undefined ? '–' : unit === 'ms' ? `${(value / 1_000).toFixed(2)} s` : String(value);

/** ` On …` for a section whose platform was recorded. */
function on(p: Platform | undefined): string {
  return p ? ` On ${p.cpuModel} (${p.cores} cores), Node ${p.node}, mediasoup ${p.mediasoup}.` : '';
}

function verdict(result: DrillResult): string {
  const goal = result.goal;
  if (!goal) return '';
  const figure = result.figures.find((f) => f.what === goal.figure);
  if (!figure || figure.samples.length === 0) return `**not measured** (goal: ${goal.what})`;
  const value =
    goal.unit === 'count'
      ? figure.samples.reduce((a, b) => a + b, 0)
      : (percentile(figure.samples, 95) ?? 0);
  const shown = fmt(value, goal.unit);
  if (value <= goal.limit) return `**met**: ${goal.what} ${shown} ≤ ${fmt(goal.limit, goal.unit)}`;
  const by =
    goal.unit === 'ms'
      ? `${((value - goal.limit) / 1_000).toFixed(2)} s (${Math.round((value / goal.limit - 1) * 100)} %)`
      : String(value - goal.limit);
  return `**missed by ${by}**: ${goal.what} ${shown} > ${fmt(goal.limit, goal.unit)}`;
}

function summary(result: DrillResult): string {
  const lines = [`drill ${result.id}: ${result.repetitions} repetition(s)`];
  for (const f of result.figures)
    lines.push(
      `  ${f.what}: p50 ${fmt(percentile(f.samples, 50), f.unit)}, p95 ${fmt(percentile(f.samples, 95), f.unit)}, max ${fmt(f.samples.length ? Math.max(...f.samples) : undefined, f.unit)} (n=${f.samples.length}) [${f.samples.join(', ')}]`,
    );
  const v = verdict(result);
  if (v) lines.push(`  goal: ${v.replace(/\*\*/g, '')}`);
  lines.push(`  lost: ${result.lost.length ? result.lost.join('; ') : 'nothing'}`);
  for (const n of result.notes) lines.push(`  note: ${n}`);
  for (const t of result.tables ?? [])
    lines.push(`  ${t.title}:`, ...[t.header, ...t.rows].map((r) => `    ${r.join(' | ')}`));
  return lines.join('\n');
}

/** At most this many samples of a figure are listed in the markdown (all are in the JSON). */
const LISTED_SAMPLES = 20;

const listed = (f: Figure) => {
  const shown = f.samples
    .slice(0, LISTED_SAMPLES)
    .map((s) => (f.unit === 'ms' ? (s / 1_000).toFixed(2) : s))
    .join(', ');
  return f.samples.length > LISTED_SAMPLES
    ? `${shown}, … (all ${f.samples.length} in the JSON)`
    : shown;
};

/**
 * For a drill that kept resource samples (the soak), each process's lowest resident memory and
 * V8 heap in each third of the samples: the garbage collector's sawtooth left out, what stays is
 * what the process keeps. A leak raises them third after third; a process that only warms up
 * (its allocator's high-water mark) rises once and stays.
 */
function trendTable(d: DrillResult): Table | undefined {
  const samples = (d.data as { samples?: StackSample[] } | undefined)?.samples;
  if (!samples || samples.length < 6) return undefined;
  const third = Math.floor(samples.length / 3);
  const parts = [samples.slice(0, third), samples.slice(third, 2 * third), samples.slice(-third)];
  const lowest = (
    part: StackSample[],
    pid: number,
    pick: (p: ProcessSample) => number | undefined,
  ) => {
    const known = part
      .flatMap((s) => s.processes.filter((p) => p.pid === pid).map(pick))
      .filter((v): v is number => v !== undefined);
    return known.length ? Math.min(...known) : undefined;
  };
  const thirds = (pid: number, pick: (p: ProcessSample) => number | undefined, per: number) => {
    const values = parts.map((part) => lowest(part, pid, pick));
    if (values.some((v) => v === undefined)) return '–';
    return `${values.map((v) => (v! / per).toFixed(1)).join(' / ')} MiB`;
  };
  return {
    title: `Trend over the ${samples.length} samples (every 30 s): the lowest value in the first, middle and last third of them (the collector's sawtooth left out)`,
    header: [
      'process',
      'RSS, lowest per third',
      'V8 heap used, lowest per third',
      'V8 heap reserved, lowest per third',
      'external (Buffers), lowest per third',
    ],
    rows: samples[0]!.processes.map((p) => [
      p.name,
      thirds(p.pid, (q) => q.rssKiB, 1024),
      thirds(p.pid, (q) => q.heapUsedBytes, 1048576),
      thirds(p.pid, (q) => q.heapTotalBytes, 1048576),
      thirds(p.pid, (q) => q.externalBytes, 1048576),
    ]),
  };
}

function markdown(machine: ReturnType<typeof benchMachine>, drills: DrillResult[]): string {
  const out = [
    '# Chaos drills',
    '',
    'Written by `bash tools/drills/run.sh --bench` (issue 18, parts 3 and 4): each drill breaks the real',
    'stack (two gateways, two orchestrator replicas, two sfu-nodes, rooms, and PostgreSQL, Redis and',
    'NATS reached through the test harness’s TCP proxy) while SDK clients (`@cascade/client` on',
    '`@roamhq/wrtc`, one process each) are in a call, and measures the recovery. Every service runs',
    'with its default configuration. Times are from the fault (`kill -9` sent, or the proxy cut)',
    'to the event, as the clients saw it. p95 is the nearest rank: with few samples it is the',
    'largest or next to largest. The soak (last section) breaks nothing: it churns a room for',
    'ten minutes and measures what every process holds before and after.',
    '',
    '## Conditions',
    '',
    `- machine of the last run written (a section that does not name its platform may have run on another): ${machine.cpuModel}, ${machine.cores} cores, ${machine.totalMemoryGiB.toFixed(1)} GiB, Linux ${machine.kernel}; shared with other work (see the load averages)`,
    `- report written: ${new Date().toISOString()}; each drill's date and load averages are in its section`,
    '- load under test: 2 to 4 SDK clients per repetition (one process each, @roamhq/wrtc), each publishing a 160x120 10 fps VP8 camera and a 440 Hz tone (the chat drill: 2 clients, no media, a message every 100 ms each; the soak: 3 steady clients and up to 4 churning ones, see its section); one mediasoup worker per node',
    '- the stack: 2 gateways, 2 orchestrator replicas, 2 sfu-nodes, rooms, every timeout at its default; its own PostgreSQL 15, Redis 7 and NATS 2.9 (fresh per drill file) behind TCP proxies',
    '',
    '## Goals (issue 18)',
    '',
    '| Drill | Goal | Result |',
    '| --- | --- | --- |',
    ...drills
      .filter((d) => d.goal)
      .map(
        (d) =>
          `| ${d.title} | ${d.goal!.what} ≤ ${fmt(d.goal!.limit, d.goal!.unit)} | ${verdict(d)} |`,
      ),
    '',
  ];
  for (const d of drills) {
    const la = (l: number[]) => l.map((x) => x.toFixed(2)).join(' ');
    out.push(
      `## ${d.title}`,
      '',
      `${d.repetitions} repetition(s), ${d.conditions.date}; load average ${la(d.conditions.loadAverageStart)} at the start, ${la(d.conditions.loadAverageEnd)} at the end.${on(d.conditions.platform)}`,
      '',
      '| Figure | n | p50 | p95 | max | samples |',
      '| --- | --- | --- | --- | --- | --- |',
      ...d.figures.map(
        (f) =>
          `| ${f.what} | ${f.samples.length} | ${fmt(percentile(f.samples, 50), f.unit)} | ${fmt(percentile(f.samples, 95), f.unit)} | ${fmt(f.samples.length ? Math.max(...f.samples) : undefined, f.unit)} | ${listed(f)} |`,
      ),
      '',
    );
    if (d.goal) out.push(`Goal: ${verdict(d)}.`, '');
    out.push(`Lost: ${d.lost.length ? '' : 'nothing.'}`, ...d.lost.map((l) => `- ${l}`), '');
    if (d.notes.length) out.push(...d.notes.map((n) => `- ${n}`), '');
    const trend = trendTable(d);
    for (const t of [...(d.tables ?? []), ...(trend ? [trend] : [])])
      out.push(
        `**${t.title}**`,
        '',
        `| ${t.header.join(' | ')} |`,
        `| ${t.header.map(() => '---').join(' | ')} |`,
        ...t.rows.map((r) => `| ${r.join(' | ')} |`),
        '',
      );
  }
  return out.join('\n');
}
