import { FixedWindowRateLimiter, SERVICE_CONFIG } from '@cascade/server-kit';
import { Inject, Injectable } from '@nestjs/common';
import type { Request } from 'express';

import { clientIp } from '../common/http';
import type { IdentityConfig } from '../config';

/** Per-client-IP limits on the endpoints worth guessing at: sign-in, refresh, minting. */
@Injectable()
export class RequestLimiter {
  readonly #limiter: FixedWindowRateLimiter;

  constructor(@Inject(SERVICE_CONFIG) config: IdentityConfig) {
    this.#limiter = new FixedWindowRateLimiter(config.IDENTITY_RATE_LIMIT_PER_MINUTE);
  }

  hit(bucket: 'sign-in' | 'refresh' | 'mint', req: Request): void {
    this.#limiter.enforce(`${bucket}:${clientIp(req)}`);
  }
}
