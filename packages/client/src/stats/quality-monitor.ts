import { connectionQuality, sameQuality } from './connection-quality';
import type { CallStats, ConnectionQuality } from './stats-types';

export interface QualityMonitorOptions {
  /** Takes one sample (the client's `getStats`). */
  stats: () => Promise<CallStats>;
  /** The quality changed (and the first time it is known). */
  onChange: (quality: ConnectionQuality) => void;
  /** A sample failed (not joined yet, say): the monitor carries on. */
  onError?: (error: unknown) => void;
}

/**
 * Polls the stats every `intervalMs` and reports the {@link connectionQuality} between each
 * sample and the one before it, when it differs from what it reported last. One sample at a
 * time: the next is scheduled once the last is done, so a slow `getStats` never piles up.
 */
export class QualityMonitor {
  #timer: ReturnType<typeof setTimeout> | undefined;
  #intervalMs = 0;
  /** Bumped by every start and stop: a sample of an earlier run is dropped. */
  #run = 0;
  #previous: CallStats | undefined;
  #reported: ConnectionQuality | undefined;

  constructor(private readonly options: QualityMonitorOptions) {}

  get running(): boolean {
    return this.#intervalMs > 0;
  }

  get intervalMs(): number {
    return this.#intervalMs;
  }

  /** The quality last reported, if any. */
  get quality(): ConnectionQuality | undefined {
    return this.#reported;
  }

  /** Starts polling (again, with this interval, if it was running); the first sample is now. */
  start(intervalMs: number): void {
    if (!Number.isFinite(intervalMs) || intervalMs <= 0)
      throw new RangeError(`the interval must be a positive number of ms, not ${intervalMs}`);
    this.stop();
    this.#intervalMs = intervalMs;
    const run = this.#run;
    void this.#sample(run);
  }

  /** Stops polling and forgets the samples (a later start begins afresh). */
  stop(): void {
    this.#run++;
    this.#intervalMs = 0;
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#previous = undefined;
    this.#reported = undefined;
  }

  async #sample(run: number): Promise<void> {
    try {
      const current = await this.options.stats();
      if (run !== this.#run) return;
      const previous = this.#previous;
      const elapsedMs = previous ? current.timestamp - previous.timestamp : 0;
      this.#previous = current;
      const quality = connectionQuality(previous, current, elapsedMs);
      if (!sameQuality(this.#reported, quality)) {
        this.#reported = quality;
        this.options.onChange(quality);
      }
    } catch (error) {
      if (run === this.#run) this.options.onError?.(error);
    } finally {
      if (run === this.#run)
        this.#timer = setTimeout(() => void this.#sample(run), this.#intervalMs);
    }
  }
}
