import { type BackoffOptions } from '../types';

export type Backoff = Required<BackoffOptions>;

export const DEFAULT_BACKOFF: Backoff = {
  initialDelayMs: 250,
  maxDelayMs: 5_000,
  multiplier: 2,
  jitter: 0.2,
  maxAttempts: 30,
};

/** The options with their defaults, checked. */
export function resolveBackoff(options: BackoffOptions = {}): Backoff {
  const backoff = { ...DEFAULT_BACKOFF, ...withoutUndefined(options) };
  const { initialDelayMs, maxDelayMs, multiplier, jitter, maxAttempts } = backoff;
  if (!(initialDelayMs >= 0 && maxDelayMs >= initialDelayMs))
    throw new RangeError('reconnect delays must satisfy 0 <= initialDelayMs <= maxDelayMs');
  if (!(multiplier >= 1)) throw new RangeError('reconnect.multiplier must be at least 1');
  if (!(jitter >= 0 && jitter <= 1)) throw new RangeError('reconnect.jitter must be in [0, 1]');
  if (!(maxAttempts >= 1)) throw new RangeError('reconnect.maxAttempts must be at least 1');
  return backoff;
}

/**
 * How long to wait before reconnection attempt `attempt` (1 for the first after a drop):
 * exponential from `initialDelayMs`, capped at `maxDelayMs`, spread by ±`jitter` so that the
 * clients of a failed gateway do not all come back in the same millisecond.
 */
export function backoffDelay(attempt: number, backoff: Backoff, random = Math.random): number {
  const exponent = Math.max(0, attempt - 1);
  const base = Math.min(
    backoff.maxDelayMs,
    backoff.initialDelayMs * backoff.multiplier ** exponent,
  );
  const spread = base * backoff.jitter;
  return Math.max(0, Math.round(base - spread + random() * 2 * spread));
}

/**
 * The gateways, in turn: the first connection starts with the first; every reconnection
 * attempt moves on to the next one (a dropped connection often means a lost gateway).
 */
export class UrlRotation {
  readonly urls: readonly string[];
  #index = 0;

  constructor(urls: string | readonly string[]) {
    this.urls = typeof urls === 'string' ? [urls] : [...urls];
    if (this.urls.length === 0) throw new RangeError('at least one gateway URL is required');
    for (const url of this.urls) {
      if (typeof url !== 'string' || url.trim() === '')
        throw new RangeError('gateway URLs must be non-empty strings');
    }
  }

  get current(): string {
    return this.urls[this.#index] as string;
  }

  /** Moves to the next gateway and returns it. */
  advance(): string {
    this.#index = (this.#index + 1) % this.urls.length;
    return this.current;
  }

  /** Makes `url` the current gateway (the one that answered). */
  settle(url: string): void {
    const index = this.urls.indexOf(url);
    if (index >= 0) this.#index = index;
  }
}

function withoutUndefined<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}
