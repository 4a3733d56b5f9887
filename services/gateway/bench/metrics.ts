import { readFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';

import type { ServiceProcess } from '@cascade/testing';

import { processCpuMs } from './stats';

/** Prometheus samples summed over processes, by `name{labels}`. */
export type MetricSnapshot = Map<string, number>;

/** Scrapes `/metrics` of every process and adds up equal series (the gateway instances). */
export async function scrape(processes: ServiceProcess[]): Promise<MetricSnapshot> {
  const snapshot: MetricSnapshot = new Map();
  await Promise.all(
    processes.map(async (p) => {
      try {
        const text = await (await p.fetch('/metrics')).text();
        for (const line of text.split('\n')) {
          if (line === '' || line.startsWith('#')) continue;
          const space = line.lastIndexOf(' ');
          const value = Number(line.slice(space + 1));
          if (!Number.isFinite(value)) continue;
          const key = line.slice(0, space);
          snapshot.set(key, (snapshot.get(key) ?? 0) + value);
        }
      } catch {
        // a process without metrics (or gone) adds nothing
      }
    }),
  );
  return snapshot;
}

/** Mean of a histogram between two snapshots, in ms, for the series with `label="value"`. */
export function histogramMeanMs(
  before: MetricSnapshot,
  after: MetricSnapshot,
  metric: string,
  label: string,
  value: string,
): { count: number; meanMs: number } {
  const total = (snapshot: MetricSnapshot, suffix: string) => {
    let sum = 0;
    for (const [key, v] of snapshot)
      if (key.startsWith(`${metric}_${suffix}{`) && key.includes(`${label}="${value}"`)) sum += v;
    return sum;
  };
  const count = total(after, 'count') - total(before, 'count');
  const seconds = total(after, 'sum') - total(before, 'sum');
  return { count, meanMs: count > 0 ? (seconds / count) * 1000 : NaN };
}

/** Busy and total jiffies of the whole machine (all cores), from /proc/stat. */
export function machineTicks(): { busy: number; total: number } {
  try {
    const cpu = readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/).slice(1);
    const n = cpu.map(Number);
    const total = n.slice(0, 8).reduce((a, b) => a + b, 0);
    const idle = (n[3] ?? 0) + (n[4] ?? 0);
    return { busy: total - idle, total };
  } catch {
    return { busy: NaN, total: NaN };
  }
}

/** A process to watch, under the name its CPU is reported (several may share a name). */
export interface Watched {
  name: string;
  pid: number | undefined;
}

/** The processes of a stack, named by service. */
export const stackProcesses = (processes: ServiceProcess[]): Watched[] =>
  processes.map((p) => ({ name: p.service, pid: p.child.pid }));

/** CPU (ms) used by each named group of processes and by this process between two readings. */
export class CpuWindow {
  readonly #start: Map<string, number>;
  readonly #bench = process.cpuUsage();
  readonly #machine = machineTicks();
  readonly #startedAt = performance.now();

  constructor(private readonly watched: Watched[]) {
    this.#start = this.#totals();
  }

  #totals(): Map<string, number> {
    const map = new Map<string, number>();
    for (const { name, pid } of this.watched)
      map.set(name, (map.get(name) ?? 0) + processCpuMs(pid));
    return map;
  }

  /** CPU ms per name (all its processes together), `bench`, and the machine's busy cores. */
  read(): { cpuMs: Record<string, number>; machineBusyCores: number } {
    const cpuMs: Record<string, number> = {};
    for (const [name, total] of this.#totals()) cpuMs[name] = total - (this.#start.get(name) ?? 0);
    const bench = process.cpuUsage(this.#bench);
    cpuMs['bench'] = (bench.user + bench.system) / 1000;
    const machine = machineTicks();
    const elapsedSeconds = (performance.now() - this.#startedAt) / 1000;
    // Jiffies are 1/100 s: busy jiffies / 100 / elapsed s = cores busy on average.
    return { cpuMs, machineBusyCores: (machine.busy - this.#machine.busy) / 100 / elapsedSeconds };
  }
}

/** Average busy cores of the whole machine over `ms`. */
export async function machineBusyOver(ms: number): Promise<number> {
  const before = machineTicks();
  const started = performance.now();
  await new Promise((resolve) => setTimeout(resolve, ms));
  const after = machineTicks();
  return (after.busy - before.busy) / 100 / ((performance.now() - started) / 1000);
}

/** Average cores the watched processes kept busy over `ms`. */
export async function processesBusyOver(watched: Watched[], ms: number): Promise<number> {
  const total = () => watched.reduce((sum, w) => sum + processCpuMs(w.pid), 0);
  const before = total();
  const started = performance.now();
  await new Promise((resolve) => setTimeout(resolve, ms));
  return (total() - before) / (performance.now() - started);
}

/**
 * Waits until the watched processes (the stack's services, the baseline servers) are about as
 * quiet as when idle (at most `threshold` cores over a 250 ms window), so that one measurement's
 * leftovers (a service still working through its backlog) do not land in the next; at most
 * `maxMs`. Other load on the machine does not count. Resolves with the time waited.
 */
export async function quiesce(
  watched: Watched[],
  threshold: number,
  maxMs = 10_000,
): Promise<number> {
  const started = performance.now();
  while (performance.now() - started < maxMs) {
    if ((await processesBusyOver(watched, 250)) <= threshold) break;
  }
  return performance.now() - started;
}

/** Error lines (pino level error or fatal) a process wrote after line `from`, grouped. */
export function errorLines(
  processes: ServiceProcess[],
  from: Map<ServiceProcess, number>,
): string[] {
  const counts = new Map<string, number>();
  for (const p of processes) {
    const lines = p.output.split('\n').slice(from.get(p) ?? 0);
    for (const line of lines) {
      if (!line.startsWith('{')) continue;
      try {
        const entry = JSON.parse(line) as Record<string, unknown>;
        const level = entry['level'];
        if (level !== 'error' && level !== 'fatal' && !(typeof level === 'number' && level >= 50))
          continue;
        const text = `${p.service}: ${String(entry['msg'] ?? '').slice(0, 300)}`;
        counts.set(text, (counts.get(text) ?? 0) + 1);
      } catch {
        // not a log entry
      }
    }
  }
  return [...counts].map(([text, n]) => `${n}× ${text}`);
}

/** How many output lines each process has written so far (for {@link errorLines}). */
export function outputMarks(processes: ServiceProcess[]): Map<ServiceProcess, number> {
  return new Map(processes.map((p) => [p, p.output === '' ? 0 : p.output.split('\n').length]));
}
