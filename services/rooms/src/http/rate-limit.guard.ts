import {
  type CanActivate,
  type ExecutionContext,
  Global,
  Inject,
  Injectable,
  Module,
} from '@nestjs/common';
import {
  ClientAddressModule,
  ClientAddresses,
  RateLimiter,
  RateLimiters,
  SERVICE_CONFIG,
} from '@cascade/server-kit';
import type { IncomingMessage } from 'node:http';

import { type AuthenticatedRequest, CALLER } from '../auth/caller';
import type { RoomsConfig } from '../config';

/**
 * The limits on writes, counted in Redis so that every replica shares them: per client address
 * (behind `ROOMS_TRUST_PROXY` hops; IPv6 per /64), then per user.
 */
@Injectable()
export class WriteRateLimits {
  readonly perAddress: RateLimiter;
  readonly perUser: RateLimiter;

  constructor(@Inject(SERVICE_CONFIG) config: RoomsConfig, limiters: RateLimiters) {
    this.perAddress = limiters.create({
      name: 'rooms:writes:address',
      points: config.ROOMS_ADDRESS_RATE_LIMIT_PER_MINUTE,
      durationSeconds: 60,
    });
    this.perUser = limiters.create({
      name: 'rooms:writes:user',
      points: config.ROOMS_RATE_LIMIT_PER_MINUTE,
      durationSeconds: 60,
    });
  }
}

/** Writes (every method but GET), after {@link AuthGuard}: 429 `RATE_LIMITED` beyond a limit. */
@Injectable()
export class WriteRateLimitGuard implements CanActivate {
  constructor(
    private readonly limits: WriteRateLimits,
    private readonly addresses: ClientAddresses,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const req = context.switchToHttp().getRequest<IncomingMessage & AuthenticatedRequest>();
    const caller = req[CALLER];
    if (req.method === 'GET' || !caller) return true;
    await this.limits.perAddress.enforce(
      this.addresses.bucketOf(req),
      'too many changes from this address; slow down',
    );
    await this.limits.perUser.enforce(
      `${caller.tenantId}/${caller.userId}`,
      'too many changes; slow down',
    );
    return true;
  }
}

/** The limits and the client's address, for the guard on every controller. */
@Global()
@Module({
  imports: [ClientAddressModule.forRoot('ROOMS_TRUST_PROXY')],
  providers: [WriteRateLimits],
  exports: [WriteRateLimits, ClientAddressModule],
})
export class RateLimitModule {}
