import { CascadeError } from '@cascade/contracts';
import { Inject, Injectable, Logger } from '@nestjs/common';
import { RateLimiterMemory, RateLimiterRedis, RateLimiterRes } from 'rate-limiter-flexible';

import type { RedisClient } from './infra/redis-client';
import { withTimeout } from './time';
import { REDIS } from './tokens';

/** One limit: at most `points` hits per key in each window of `durationSeconds`. */
export interface RateLimit {
  /**
   * What is counted, unique in the deployment (`identity:sign-in:address`): part of every key,
   * which is `<REDIS_KEY_PREFIX>rl:<name>:<key>`.
   */
  name: string;
  points: number;
  durationSeconds: number;
}

export interface RateLimitDecision {
  allowed: boolean;
  /** Hits left in the current window. */
  remaining: number;
  /** Whole seconds until the window ends (at least 1): the `Retry-After` of a refusal. */
  retryAfterSeconds: number;
}

export interface RateLimiterOptions {
  /** How long a hit waits for Redis before it is counted in memory instead. Default 250 ms. */
  redisTimeoutMs?: number;
}

/**
 * A fixed-window limit shared by every replica: each hit is one atomic increment in Redis
 * (rate-limiter-flexible's `RateLimiterRedis`), so N instances of a service allow the limit
 * once, not N times.
 *
 * **When Redis is down** (or slower than `redisTimeoutMs`), hits are counted in this process's
 * memory with the same limit (rate-limiter-flexible's `RateLimiterMemory`: the "insurance"
 * limiter) until Redis answers again. Neither extreme is acceptable for a limit that guards
 * sign-in: failing closed would turn a Redis outage into everyone locked out of sign-in,
 * refresh and joining, and failing open would leave a script unthrottled for as long as the
 * outage lasts. In memory, a caller gets at most the limit per replica it reaches (N× over the
 * deployment) during the outage, and sign-in keeps working. The switch is logged both ways.
 */
export class RateLimiter {
  private static readonly logger = new Logger('rate-limit');
  readonly #shared: RateLimiterRedis;
  readonly #insurance: RateLimiterMemory;
  readonly #timeoutMs: number;
  #degraded = false;

  constructor(
    redis: RedisClient,
    readonly limit: RateLimit,
    options: RateLimiterOptions = {},
  ) {
    const common = {
      keyPrefix: `rl:${limit.name}`,
      points: limit.points,
      duration: limit.durationSeconds,
    };
    // The connection's own key prefix (REDIS_KEY_PREFIX) goes in front of `rl:`.
    this.#shared = new RateLimiterRedis({
      ...common,
      storeClient: redis,
      // Fail at once (into the insurance) rather than wait while the connection is down.
      rejectIfRedisNotReady: true,
    });
    this.#insurance = new RateLimiterMemory(common);
    this.#timeoutMs = options.redisTimeoutMs ?? 250;
  }

  /** Counts one hit for `key` and says whether it was within the limit. */
  async hit(key: string): Promise<RateLimitDecision> {
    try {
      return decision(true, await this.#consume(key));
    } catch (rejection) {
      if (rejection instanceof RateLimiterRes) return decision(false, rejection);
      throw rejection;
    }
  }

  /** Counts one hit; past the limit, throws `RATE_LIMITED` with `retryAfterSeconds`. */
  async enforce(key: string, message = 'too many requests; try again later'): Promise<void> {
    const result = await this.hit(key);
    if (!result.allowed) {
      throw new CascadeError('RATE_LIMITED', message, {
        retryAfterSeconds: result.retryAfterSeconds,
      });
    }
  }

  /** Resolves with the count, or rejects with a `RateLimiterRes` past the limit. */
  async #consume(key: string): Promise<RateLimiterRes> {
    try {
      const res = await withTimeout(this.#shared.consume(key), this.#timeoutMs, 'Redis');
      this.#setDegraded(false);
      return res;
    } catch (error) {
      if (error instanceof RateLimiterRes) {
        this.#setDegraded(false);
        throw error;
      }
      this.#setDegraded(true, error);
      return this.#insurance.consume(key);
    }
  }

  #setDegraded(degraded: boolean, error?: unknown): void {
    if (degraded === this.#degraded) return;
    this.#degraded = degraded;
    const name = this.limit.name;
    if (degraded) {
      RateLimiter.logger.warn({
        limit: name,
        err: error instanceof Error ? error.message : String(error),
        msg: `rate limit ${name}: Redis does not answer; counting in this process until it does`,
      });
    } else {
      RateLimiter.logger.log({ limit: name, msg: `rate limit ${name}: counting in Redis again` });
    }
  }
}

/** Makes {@link RateLimiter}s on the service's Redis connection (services on Redis get it). */
@Injectable()
export class RateLimiters {
  constructor(@Inject(REDIS) private readonly redis: RedisClient) {}

  create(limit: RateLimit, options?: RateLimiterOptions): RateLimiter {
    return new RateLimiter(this.redis, limit, options);
  }
}

function decision(allowed: boolean, res: RateLimiterRes): RateLimitDecision {
  return {
    allowed,
    remaining: res.remainingPoints,
    retryAfterSeconds: Math.max(1, Math.ceil(res.msBeforeNext / 1000)),
  };
}
