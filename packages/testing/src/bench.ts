import { cpus, loadavg, release, totalmem } from 'node:os';

/** The machine a benchmark ran on, recorded with its results (the machine is shared and noisy). */
export interface BenchMachine {
  cpuModel: string;
  cores: number;
  totalMemoryGiB: number;
  kernel: string;
  loadAverageAtStart: number[];
}

export function benchMachine(): BenchMachine {
  return {
    cpuModel: cpus()[0]?.model ?? 'unknown',
    cores: cpus().length,
    totalMemoryGiB: totalmem() / 2 ** 30,
    kernel: release(),
    loadAverageAtStart: loadavg(),
  };
}
