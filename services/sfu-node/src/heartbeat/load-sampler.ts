import type { SfuWorkerLoad } from '@cascade/contracts';

import type { SfuNode } from '../media/sfu-node';

interface CpuMark {
  pid: number;
  cpuMs: number;
  at: number;
}

/**
 * Measures each worker's load for the heartbeat: CPU from mediasoup's resource usage (user +
 * system time since the previous sample, as a fraction of one core), stream counts from the
 * node's own bookkeeping, and bitrates from transport stats sampled on a slower cadence (stats
 * cost the worker a request per transport, so they are not fetched every heartbeat).
 */
export class LoadSampler {
  readonly #cpuMarks = new Map<number, CpuMark>();
  #bitrates = new Map<number, { inBps: number; outBps: number }>();

  constructor(private readonly node: SfuNode) {}

  async workerLoads(): Promise<SfuWorkerLoad[]> {
    const counts = this.#counts();
    return Promise.all(
      this.node.pool.slots.map(async (slot) => {
        const c = counts.get(slot.index) ?? emptyCounts();
        const bitrate = this.#bitrates.get(slot.index) ?? { inBps: 0, outBps: 0 };
        return {
          index: slot.index,
          pid: slot.worker.pid,
          cpu: await this.#cpu(slot.index, slot.worker),
          ...c,
          bitrateInBps: bitrate.inBps,
          bitrateOutBps: bitrate.outBps,
        };
      }),
    );
  }

  /** Sums every transport's current bitrates per worker. */
  async sampleBitrates(): Promise<void> {
    const totals = new Map<number, { inBps: number; outBps: number }>();
    const add = (index: number, inBps: number, outBps: number) => {
      const t = totals.get(index) ?? { inBps: 0, outBps: 0 };
      t.inBps += inBps;
      t.outBps += outBps;
      totals.set(index, t);
    };
    const jobs: Array<Promise<void>> = [];
    for (const room of this.node.rooms.values()) {
      for (const participant of room.participants.values()) {
        for (const transport of participant.transports.values()) {
          jobs.push(
            transport.getStats().then(
              ([s]) => add(participant.workerIndex, s?.recvBitrate ?? 0, s?.sendBitrate ?? 0),
              () => undefined,
            ),
          );
        }
      }
      for (const link of room.pipes.values()) {
        if (link.closed || link.workerIndex < 0) continue;
        jobs.push(
          link.transport.getStats().then(
            ([s]) => add(link.workerIndex, s?.recvBitrate ?? 0, s?.sendBitrate ?? 0),
            () => undefined,
          ),
        );
      }
    }
    await Promise.all(jobs);
    this.#bitrates = totals;
  }

  async #cpu(
    index: number,
    worker: { pid: number; getResourceUsage(): Promise<{ ru_utime: number; ru_stime: number }> },
  ): Promise<number> {
    let usage: { ru_utime: number; ru_stime: number };
    try {
      usage = await worker.getResourceUsage();
    } catch {
      return 0;
    }
    const mark: CpuMark = {
      pid: worker.pid,
      cpuMs: usage.ru_utime + usage.ru_stime,
      at: performance.now(),
    };
    const previous = this.#cpuMarks.get(index);
    this.#cpuMarks.set(index, mark);
    if (!previous || previous.pid !== mark.pid || mark.at <= previous.at) return 0;
    return Math.max(0, (mark.cpuMs - previous.cpuMs) / (mark.at - previous.at));
  }

  #counts() {
    const counts = new Map<number, ReturnType<typeof emptyCounts>>();
    const of = (index: number) => {
      let c = counts.get(index);
      if (!c) counts.set(index, (c = emptyCounts()));
      return c;
    };
    for (const room of this.node.rooms.values()) {
      for (const index of room.workerIndexes) of(index).routers++;
      for (const p of room.participants.values()) {
        const c = of(p.workerIndex);
        c.transports += p.transports.size;
        c.consumers += p.consumers.size;
      }
      for (const entry of room.producers.values()) of(entry.workerIndex).producers++;
      for (const link of room.pipes.values()) {
        if (link.workerIndex < 0) continue;
        const c = of(link.workerIndex);
        c.transports++;
        c.pipeConsumers += link.outbound.size;
      }
    }
    return counts;
  }
}

function emptyCounts() {
  return { routers: 0, transports: 0, producers: 0, consumers: 0, pipeConsumers: 0 };
}
