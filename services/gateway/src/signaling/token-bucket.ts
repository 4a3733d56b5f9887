/**
 * A token bucket: holds at most `burst` tokens, refills at `ratePerSecond`, and each request
 * takes one. One per socket, in memory: a socket lives on one gateway instance.
 */
export class TokenBucket {
  #tokens: number;
  #updatedAt: number;

  constructor(
    readonly ratePerSecond: number,
    readonly burst: number,
    private readonly now: () => number = () => performance.now(),
  ) {
    if (!(ratePerSecond > 0) || !(burst >= 1))
      throw new Error('token bucket needs rate > 0, burst >= 1');
    this.#tokens = burst;
    this.#updatedAt = now();
  }

  /** Takes a token; false (and nothing taken) when the bucket is empty. */
  take(): boolean {
    this.#refill();
    if (this.#tokens < 1) return false;
    this.#tokens -= 1;
    return true;
  }

  /** How long until the next token, in milliseconds (0 when one is available). */
  retryAfterMs(): number {
    this.#refill();
    return this.#tokens >= 1 ? 0 : Math.ceil(((1 - this.#tokens) / this.ratePerSecond) * 1000);
  }

  get tokens(): number {
    this.#refill();
    return this.#tokens;
  }

  #refill(): void {
    const now = this.now();
    const elapsed = Math.max(0, now - this.#updatedAt) / 1000;
    this.#updatedAt = now;
    this.#tokens = Math.min(this.burst, this.#tokens + elapsed * this.ratePerSecond);
  }
}
