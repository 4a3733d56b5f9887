import { readFileSync, readdirSync } from 'node:fs';

import { scrapeMetric } from '@cascade/testing';

import type { DrillStack } from './stack';

/**
 * What one process holds at one moment, read from outside: its resident memory and open file
 * descriptors from `/proc/<pid>`, and for the services (Node processes) their V8 heap (in use and
 * reserved), the memory V8 counts outside its heap (Buffers and other external memory) and
 * libuv's active handles from their own `/metrics` (prom-client's process metrics): what of the
 * resident memory is JavaScript's, and what is native (the allocator's, sockets', libraries').
 */
export interface ProcessSample {
  /** `gateway-1`…, or `sfu-node-1/worker-<pid>` for a mediasoup worker. */
  name: string;
  pid: number;
  rssKiB: number;
  fds: number;
  heapUsedBytes?: number;
  /** The V8 heap reserved (used or not). */
  heapTotalBytes?: number;
  /** Memory V8 knows of outside its heap: Buffers, ArrayBuffers. */
  externalBytes?: number;
  activeHandles?: number;
}

export interface StackSample {
  at: number;
  processes: ProcessSample[];
}

/** `VmRSS` of `/proc/<pid>/status` (KiB) and the entries of `/proc/<pid>/fd`. */
export function procSample(pid: number): { rssKiB: number; fds: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const rss = /^VmRSS:\s+(\d+)\s+kB$/m.exec(status);
  if (!rss) throw new Error(`no VmRSS in /proc/${pid}/status`);
  return { rssKiB: Number(rss[1]), fds: readdirSync(`/proc/${pid}/fd`).length };
}

/** The children of `pid` whose command starts with `comm` (the kernel cuts it at 15 chars). */
export function childPids(pid: number, comm: string): number[] {
  const children = readdirSync(`/proc/${pid}/task`).flatMap((tid) =>
    readFileSync(`/proc/${pid}/task/${tid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean),
  );
  return children
    .map(Number)
    .filter((c) => {
      try {
        return readFileSync(`/proc/${c}/comm`, 'utf8').startsWith(comm);
      } catch {
        return false; // gone meanwhile
      }
    })
    .sort((a, b) => a - b);
}

async function nodeMetric(url: string, name: string): Promise<number | undefined> {
  const samples = await scrapeMetric(`${url}/metrics`, name).catch(() => []);
  return samples[0]?.value;
}

/** Every running service of the stack and each sfu-node's mediasoup workers, now. */
export async function sampleStack(stack: DrillStack): Promise<StackSample> {
  const at = Date.now();
  const processes: ProcessSample[] = [];
  for (const [name, proc] of [...stack.processes].sort(([a], [b]) => a.localeCompare(b))) {
    const pid = proc.child.pid!;
    const [heapUsedBytes, heapTotalBytes, externalBytes, activeHandles] = await Promise.all([
      nodeMetric(proc.url, 'nodejs_heap_size_used_bytes'),
      nodeMetric(proc.url, 'nodejs_heap_size_total_bytes'),
      nodeMetric(proc.url, 'nodejs_external_memory_bytes'),
      nodeMetric(proc.url, 'nodejs_active_handles_total'),
    ]);
    processes.push({
      name,
      pid,
      ...procSample(pid),
      ...(heapUsedBytes === undefined ? {} : { heapUsedBytes }),
      ...(heapTotalBytes === undefined ? {} : { heapTotalBytes }),
      ...(externalBytes === undefined ? {} : { externalBytes }),
      ...(activeHandles === undefined ? {} : { activeHandles }),
    });
    if (name.startsWith('sfu-node'))
      for (const [i, worker] of childPids(pid, 'mediasoup-work').entries())
        processes.push({ name: `${name}/worker-${i}`, pid: worker, ...procSample(worker) });
  }
  return { at, processes };
}

export interface Growth {
  name: string;
  rssStartKiB: number;
  rssEndKiB: number;
  rssPeakKiB: number;
  fdsStart: number;
  fdsEnd: number;
  heapStartBytes?: number;
  heapEndBytes?: number;
  handlesStart?: number;
  handlesEnd?: number;
}

/**
 * Per process, from the first sample to the last (the peak over all of them). A process whose
 * id changed between them (restarted) is left out: its figures would compare two processes.
 */
export function growth(samples: StackSample[]): Growth[] {
  const first = samples[0]!;
  const last = samples[samples.length - 1]!;
  return first.processes.flatMap((start) => {
    const end = last.processes.find((p) => p.name === start.name && p.pid === start.pid);
    if (!end) return [];
    const all = samples.flatMap((s) => s.processes.filter((p) => p.pid === start.pid));
    return [
      {
        name: start.name,
        rssStartKiB: start.rssKiB,
        rssEndKiB: end.rssKiB,
        rssPeakKiB: Math.max(...all.map((p) => p.rssKiB)),
        fdsStart: start.fds,
        fdsEnd: end.fds,
        ...(start.heapUsedBytes !== undefined && end.heapUsedBytes !== undefined
          ? { heapStartBytes: start.heapUsedBytes, heapEndBytes: end.heapUsedBytes }
          : {}),
        ...(start.activeHandles !== undefined && end.activeHandles !== undefined
          ? { handlesStart: start.activeHandles, handlesEnd: end.activeHandles }
          : {}),
      },
    ];
  });
}
