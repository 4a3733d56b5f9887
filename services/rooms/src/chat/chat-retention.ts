import {
  type BeforeApplicationShutdown,
  Inject,
  Injectable,
  Logger,
  type OnApplicationBootstrap,
} from '@nestjs/common';
import { SERVICE_CONFIG } from '@cascade/server-kit';

import type { RoomsConfig } from '../config';
import type { PrismaClient } from '../generated/prisma/client';
import type { TenantSettingsSource } from '../tenant-settings/tenant-settings.client';

/** Rows one statement deletes, and statements one sweep runs at most over all tenants. */
export const RETENTION_BATCH = 1_000;
export const RETENTION_MAX_BATCHES = 50;

const DAY_MS = 86_400_000;

/**
 * Deletes chat messages older than their tenant's retention period: the tenant's
 * `chatRetentionDays` as identity tells it, or `defaultDays` (`ROOMS_CHAT_RETENTION_DAYS`) when
 * it has none or identity does not answer. Each statement deletes at most `batch` of a tenant's
 * oldest messages (short transactions, an index on tenant and `sent_at`); a sweep runs at most
 * `maxBatches` statements over all tenants and the next one goes on. Every replica sweeps; rows
 * locked by another replica's sweep are skipped.
 */
export class ChatRetention {
  constructor(
    private readonly db: PrismaClient,
    private readonly tenants: TenantSettingsSource,
    private readonly defaultDays: number,
    private readonly batch = RETENTION_BATCH,
    private readonly maxBatches = RETENTION_MAX_BATCHES,
    private readonly clock: () => number = Date.now,
  ) {}

  /** Deletes messages sent before their tenant's retention period; resolves with how many. */
  async sweep(): Promise<number> {
    const tenants = await this.db.$queryRaw<Array<{ tenant_id: string }>>`
      SELECT DISTINCT tenant_id FROM rooms`;
    let budget = this.maxBatches;
    let deleted = 0;
    for (const { tenant_id: tenantId } of tenants) {
      if (budget === 0) break;
      const days = (await this.tenants.settings(tenantId))?.chatRetentionDays ?? this.defaultDays;
      const before = new Date(this.clock() - days * DAY_MS);
      while (budget > 0) {
        budget--;
        const count = await this.db.$executeRaw`
          DELETE FROM chat_messages WHERE (tenant_id, room_id, id) IN (
            SELECT tenant_id, room_id, id FROM chat_messages
            WHERE tenant_id = ${tenantId} AND sent_at < ${before}
            ORDER BY sent_at LIMIT ${this.batch} FOR UPDATE SKIP LOCKED)`;
        deleted += count;
        if (count < this.batch) break;
      }
    }
    return deleted;
  }
}

/** Runs the retention sweep every `ROOMS_CHAT_SWEEP_INTERVAL_MS`. */
@Injectable()
export class ChatRetentionSweeps implements OnApplicationBootstrap, BeforeApplicationShutdown {
  readonly #logger = new Logger('chat-retention');
  #timer: NodeJS.Timeout | undefined;
  #running: Promise<void> | undefined;

  constructor(
    private readonly retention: ChatRetention,
    @Inject(SERVICE_CONFIG) private readonly config: RoomsConfig,
  ) {}

  onApplicationBootstrap(): void {
    this.#timer = setInterval(() => {
      this.#running ??= this.retention
        .sweep()
        .then(
          (deleted) => {
            if (deleted > 0) this.#logger.log({ msg: 'old chat messages deleted', deleted });
          },
          (error: unknown) => this.#logger.warn(`chat retention sweep failed: ${String(error)}`),
        )
        .finally(() => (this.#running = undefined));
    }, this.config.ROOMS_CHAT_SWEEP_INTERVAL_MS);
    this.#timer.unref();
  }

  async beforeApplicationShutdown(): Promise<void> {
    clearInterval(this.#timer);
    await this.#running;
  }
}
