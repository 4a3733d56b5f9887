import {
  type BeforeApplicationShutdown,
  Injectable,
  Logger,
  Module,
  type OnApplicationBootstrap,
} from '@nestjs/common';
import { REDIS, SERVICE_CONFIG, type RedisClient } from '@cascade/server-kit';

import type { GatewayConfig } from '../config';
import { DEFAULT_SLOT_LEASE_MS, UserConnectionSlots } from './user-connection-slots';

/** Renews the leases of this instance's user connection slots, every third of a lease. */
@Injectable()
export class SlotRenewal implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger('user-connections');
  #timer: NodeJS.Timeout | undefined;
  #running: Promise<void> | undefined;
  #lastError = '';

  constructor(private readonly slots: UserConnectionSlots) {}

  onApplicationBootstrap(): void {
    this.#timer = setInterval(() => {
      this.#running ??= this.slots
        .renew()
        .then(
          () => {
            this.#lastError = '';
          },
          (error: unknown) => {
            // Redis away: say it once, keep trying (leases outlive a few missed renewals).
            if (String(error) !== this.#lastError)
              this.logger.warn(`renewing user connection slots failed: ${String(error)}`);
            this.#lastError = String(error);
          },
        )
        .finally(() => (this.#running = undefined));
    }, DEFAULT_SLOT_LEASE_MS / 3);
    this.#timer.unref();
  }

  async beforeApplicationShutdown(): Promise<void> {
    clearInterval(this.#timer);
    await this.#running;
  }
}

/** The cap on each user's live user connections, shared by every instance through Redis. */
@Module({
  providers: [
    {
      provide: UserConnectionSlots,
      inject: [REDIS, SERVICE_CONFIG],
      useFactory: (redis: RedisClient, config: GatewayConfig) =>
        new UserConnectionSlots(redis, {
          max: config.GATEWAY_USER_CONNECTIONS_MAX,
          leaseMs: DEFAULT_SLOT_LEASE_MS,
        }),
    },
    SlotRenewal,
  ],
  exports: [UserConnectionSlots],
})
export class UserConnectionsModule {}
