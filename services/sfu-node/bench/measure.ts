import { execFileSync } from 'node:child_process';
import { createSocket, type Socket } from 'node:dgram';
import { readdirSync, readFileSync } from 'node:fs';

/**
 * Measurement for the fan-out benchmark: CPU and memory of processes from /proc, and UDP sinks
 * that count (and discard) what the consumers send.
 */

const CLOCK_TICKS_PER_SECOND = Number(execFileSync('getconf', ['CLK_TCK']).toString().trim());

/** utime + stime of a process, in seconds (fields 14 and 15 of /proc/<pid>/stat). */
export function cpuSeconds(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  // The command name (field 2) may contain spaces: count fields from after its closing ")".
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const utime = Number(fields[11]);
  const stime = Number(fields[12]);
  return (utime + stime) / CLOCK_TICKS_PER_SECOND;
}

/**
 * CPU time of every thread of a process, in seconds, with nanosecond resolution (the first field
 * of /proc/<pid>/task/<tid>/schedstat). A cross-check of `cpuSeconds`, whose unit is a 10 ms tick.
 */
export function cpuSecondsPrecise(pid: number): number {
  let ns = 0;
  for (const tid of readdirSync(`/proc/${pid}/task`)) {
    try {
      ns += Number(readFileSync(`/proc/${pid}/task/${tid}/schedstat`, 'utf8').split(' ')[0]);
    } catch {
      // the thread ended meanwhile
    }
  }
  return ns / 1e9;
}

/** CPU seconds the whole machine spent busy (all but idle and iowait), from /proc/stat. */
function machineBusySeconds(): number {
  const fields = readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/).slice(1);
  const ticks = fields.map(Number);
  const total = ticks.slice(0, 8).reduce((a, b) => a + b, 0); // user … steal
  return (total - ticks[3]! - ticks[4]!) / CLOCK_TICKS_PER_SECOND;
}

/** Resident memory of a process in MiB (VmRSS of /proc/<pid>/status). */
export function rssMiB(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const match = /^VmRSS:\s+(\d+) kB$/m.exec(status);
  if (!match) throw new Error(`no VmRSS for process ${pid}`);
  return Number(match[1]) / 1024;
}

/**
 * Pids of the children of `ppid` whose command name is `comm` (like `ps --ppid`). The kernel
 * keeps 15 characters of it: "mediasoup-worker" is "mediasoup-worke".
 */
export function childPids(ppid: number, comm: string): number[] {
  const pids: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    let stat: string;
    try {
      stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
    } catch {
      continue; // exited meanwhile
    }
    const name = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
    const parent = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
    if (parent === ppid && name === comm.slice(0, 15)) pids.push(Number(entry));
  }
  return pids;
}

/** A process whose CPU and memory one measurement reports, under a role such as "worker". */
export interface MeasuredProcess {
  role: string;
  pid: number;
}

export interface ProcessUsage {
  role: string;
  pid: number;
  /** utime+stime over the window as a fraction of one core (1 = one core fully busy). */
  cpu: number;
  /** The same from the threads' schedstat (ns resolution). */
  cpuSchedstat: number;
  rssMiB: number;
}

export interface CpuWindow {
  elapsedSeconds: number;
  usage: ProcessUsage[];
  /** Busy CPU of the whole machine over the window, in cores (of `os.cpus().length`). */
  machineBusyCores: number;
}

/** Starts a CPU window over `processes`; calling the result ends it. */
export function startCpuWindow(processes: MeasuredProcess[]): () => CpuWindow {
  const sample = () => ({
    at: process.hrtime.bigint(),
    machine: machineBusySeconds(),
    ticks: processes.map((p) => cpuSeconds(p.pid)),
    precise: processes.map((p) => cpuSecondsPrecise(p.pid)),
  });
  const before = sample();
  return () => {
    const after = sample();
    const elapsedSeconds = Number(after.at - before.at) / 1e9;
    const usage = processes.map((p, i) => ({
      role: p.role,
      pid: p.pid,
      cpu: (after.ticks[i]! - before.ticks[i]!) / elapsedSeconds,
      cpuSchedstat: (after.precise[i]! - before.precise[i]!) / elapsedSeconds,
      rssMiB: rssMiB(p.pid),
    }));
    return {
      elapsedSeconds,
      usage,
      machineBusyCores: (after.machine - before.machine) / elapsedSeconds,
    };
  };
}

export interface SinkCounts {
  /** Media RTP packets (not bandwidth probation). */
  rtp: number;
  rtcp: number;
  /** mediasoup's bandwidth probation packets (RTP with its fixed probator SSRC 1234). */
  probation: number;
  /** RTP packets per sending port (one port per consumer transport). */
  rtpBySender: Map<number, number>;
}

const PROBATION_SSRC = 1234;

/** RFC 5761: RTCP packet types 192–223 occupy the second byte where RTP has marker + type. */
function isRtcp(packet: Buffer): boolean {
  const second = packet[1] ?? 0;
  return second >= 192 && second <= 223;
}

/**
 * A few UDP sockets on 127.0.0.1 that count and discard every packet. Consumer `i` sends to
 * `address(i)`; the sockets are shared round-robin so that no one socket takes all the load.
 */
export class UdpSinks {
  readonly #counts: SinkCounts = { rtp: 0, rtcp: 0, probation: 0, rtpBySender: new Map() };

  private constructor(private readonly sockets: Socket[]) {
    for (const socket of sockets)
      socket.on('message', (packet, from) => this.#count(packet, from.port));
  }

  static async open(count: number): Promise<UdpSinks> {
    const sockets: Socket[] = [];
    try {
      for (let i = 0; i < count; i++) {
        const socket = createSocket({ type: 'udp4', recvBufferSize: 4 * 1024 * 1024 });
        sockets.push(socket);
        await new Promise<void>((resolve, reject) => {
          socket.once('error', reject);
          socket.bind(0, '127.0.0.1', () => {
            socket.off('error', reject);
            resolve();
          });
        });
      }
    } catch (error) {
      for (const socket of sockets) socket.close();
      throw error;
    }
    return new UdpSinks(sockets);
  }

  /** Where consumer `i` should send. */
  address(i: number): { ip: string; port: number } {
    return { ip: '127.0.0.1', port: this.sockets[i % this.sockets.length]!.address().port };
  }

  /** A copy of the counts so far. */
  snapshot(): SinkCounts {
    return { ...this.#counts, rtpBySender: new Map(this.#counts.rtpBySender) };
  }

  close(): void {
    for (const socket of this.sockets) socket.close();
  }

  #count(packet: Buffer, senderPort: number): void {
    if (isRtcp(packet)) {
      this.#counts.rtcp++;
      return;
    }
    if (packet.length >= 12 && packet.readUInt32BE(8) === PROBATION_SSRC) {
      this.#counts.probation++;
      return;
    }
    this.#counts.rtp++;
    this.#counts.rtpBySender.set(senderPort, (this.#counts.rtpBySender.get(senderPort) ?? 0) + 1);
  }
}

/** Senders that sent RTP between two snapshots, and the RTP packet count in between. */
export function sinkDelta(
  before: SinkCounts,
  after: SinkCounts,
): { rtp: number; rtcp: number; probation: number; activeSenders: number } {
  let activeSenders = 0;
  for (const [port, count] of after.rtpBySender)
    if (count > (before.rtpBySender.get(port) ?? 0)) activeSenders++;
  return {
    rtp: after.rtp - before.rtp,
    rtcp: after.rtcp - before.rtcp,
    probation: after.probation - before.probation,
    activeSenders,
  };
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** `promise`, or a rejection naming `what` after `ms`. */
export async function withTimeout<T>(what: string, ms: number, promise: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} took longer than ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** Runs `fn` over `items` with at most `limit` at a time, keeping the order of results. */
export async function mapLimit<T, R>(
  items: readonly T[],
  limit: number,
  fn: (item: T, index: number) => Promise<R>,
): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let next = 0;
  const lane = async () => {
    while (next < items.length) {
      const i = next++;
      results[i] = await fn(items[i]!, i);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, lane));
  return results;
}
