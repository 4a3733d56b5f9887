import { type CanActivate, type ExecutionContext, Inject, Injectable } from '@nestjs/common';
import { FixedWindowRateLimiter, SERVICE_CONFIG } from '@cascade/server-kit';
import type { IncomingMessage } from 'node:http';

import { type AuthenticatedRequest, CALLER } from '../auth/caller';
import type { RoomsConfig } from '../config';

/** Writes (every method but GET) per user and minute, after {@link AuthGuard}: 429 beyond. */
@Injectable()
export class WriteRateLimitGuard implements CanActivate {
  readonly #limiter: FixedWindowRateLimiter;

  constructor(@Inject(SERVICE_CONFIG) config: RoomsConfig) {
    this.#limiter = new FixedWindowRateLimiter(config.ROOMS_RATE_LIMIT_PER_MINUTE, 60_000);
  }

  canActivate(context: ExecutionContext): boolean {
    const req = context.switchToHttp().getRequest<IncomingMessage & AuthenticatedRequest>();
    const caller = req[CALLER];
    if (req.method === 'GET' || !caller) return true;
    this.#limiter.enforce(`${caller.tenantId}/${caller.userId}`, 'too many changes; slow down');
    return true;
  }
}
