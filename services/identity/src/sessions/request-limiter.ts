import { ClientAddresses, RateLimiter, RateLimiters, SERVICE_CONFIG } from '@cascade/server-kit';
import { Inject, Injectable } from '@nestjs/common';
import type { Request } from 'express';

import type { IdentityConfig } from '../config';

/** The endpoints worth guessing at or flooding. */
export type LimitedRoute = 'sign-in' | 'refresh' | 'mint';

const ROUTES: readonly LimitedRoute[] = ['sign-in', 'refresh', 'mint'];

/**
 * Identity's rate limits, counted in Redis so that every replica shares them:
 * - per client address (behind `IDENTITY_TRUST_PROXY` hops; IPv6 per /64) on each route, before
 *   anything else is looked at;
 * - per account once the account is known: development sign-ins as one user, join tokens a
 *   user mints for itself, join tokens one API key mints, from any number of addresses.
 * Past a limit: `RATE_LIMITED` with `retryAfterSeconds` (and `Retry-After`).
 */
@Injectable()
export class RequestLimiter {
  readonly #perAddress: Map<LimitedRoute, RateLimiter>;
  readonly #perAccount: Map<'sign-in' | 'mint', RateLimiter>;
  readonly #perApiKey: RateLimiter;

  constructor(
    @Inject(SERVICE_CONFIG) config: IdentityConfig,
    limiters: RateLimiters,
    private readonly addresses: ClientAddresses,
  ) {
    const perMinute = (name: string, points: number) =>
      limiters.create({ name: `identity:${name}`, points, durationSeconds: 60 });
    this.#perAddress = new Map(
      ROUTES.map((route): [LimitedRoute, RateLimiter] => [
        route,
        perMinute(`${route}:address`, config.IDENTITY_RATE_LIMIT_PER_MINUTE),
      ]),
    );
    this.#perAccount = new Map(
      (['sign-in', 'mint'] as const).map((route): ['sign-in' | 'mint', RateLimiter] => [
        route,
        perMinute(`${route}:account`, config.IDENTITY_ACCOUNT_RATE_LIMIT_PER_MINUTE),
      ]),
    );
    this.#perApiKey = perMinute('mint:api-key', config.IDENTITY_API_KEY_RATE_LIMIT_PER_MINUTE);
  }

  /** Counts a request to `route` from the client's address. */
  async hit(route: LimitedRoute, req: Request): Promise<void> {
    await this.#perAddress.get(route)!.enforce(this.addresses.bucketOf(req));
  }

  /**
   * Counts a request to `route` for one account of a tenant: a user id, or the name a
   * development sign-in claims.
   */
  async hitAccount(route: 'sign-in' | 'mint', tenantId: string, account: string): Promise<void> {
    await this.#perAccount
      .get(route)!
      .enforce(`${tenantId}/${account.toLowerCase()}`, 'too many requests for this account');
  }

  /** Counts a join token minted with an API key. */
  async hitApiKey(keyId: string): Promise<void> {
    await this.#perApiKey.enforce(keyId, 'too many join tokens for this API key');
  }
}
