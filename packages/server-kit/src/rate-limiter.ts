import { CascadeError } from '@cascade/contracts';

/**
 * A fixed-window counter per key (`refresh:203.0.113.7`, `tenant/user`): at most `limit` hits
 * per `windowMs`. In memory, per instance: it blunts guessing and one caller's floods at one
 * process, it is not a global quota.
 */
export class FixedWindowRateLimiter {
  readonly #windows = new Map<string, { start: number; count: number }>();

  constructor(
    private readonly limit: number,
    private readonly windowMs = 60_000,
    private readonly now: () => number = Date.now,
  ) {}

  /** Counts a hit; returns how many ms until the key may try again, or 0 when allowed. */
  hit(key: string): number {
    const now = this.now();
    let window = this.#windows.get(key);
    if (!window || now - window.start >= this.windowMs) {
      if (this.#windows.size > 10_000) this.#sweep(now);
      window = { start: now, count: 0 };
      this.#windows.set(key, window);
    }
    window.count++;
    return window.count <= this.limit ? 0 : window.start + this.windowMs - now;
  }

  /** Counts a hit; throws `RATE_LIMITED` (with `retryAfterSeconds`) past the limit. */
  enforce(key: string, message = 'too many requests; try again later'): void {
    const retryAfterMs = this.hit(key);
    if (retryAfterMs > 0) {
      throw new CascadeError('RATE_LIMITED', message, {
        retryAfterSeconds: Math.ceil(retryAfterMs / 1000),
      });
    }
  }

  #sweep(now: number): void {
    for (const [key, window] of this.#windows) {
      if (now - window.start >= this.windowMs) this.#windows.delete(key);
    }
  }
}
