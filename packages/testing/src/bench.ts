import { writeFileSync } from 'node:fs';
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

/** Writes a file as the repository's Prettier settings format it (unformatted without Prettier). */
export async function writeFormatted(path: string, text: string): Promise<void> {
  let out = text;
  try {
    const prettier = await import('prettier');
    const options = (await prettier.resolveConfig(path)) ?? {};
    out = await prettier.format(text, { ...options, filepath: path });
  } catch (error) {
    console.warn(`${path} written unformatted: ${String(error)}`);
  }
  writeFileSync(path, out);
}
