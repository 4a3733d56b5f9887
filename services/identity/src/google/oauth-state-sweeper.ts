import { SERVICE_CONFIG } from '@cascade/server-kit';
import {
  type BeforeApplicationShutdown,
  Inject,
  Injectable,
  Logger,
  Module,
  type OnApplicationBootstrap,
} from '@nestjs/common';

import type { IdentityConfig } from '../config';
import { Database } from '../database/database.module';
import type { PrismaClient } from '../generated/prisma/client';

/** Rows one statement deletes, and statements one sweep runs at most (the rest waits). */
export const SWEEP_BATCH = 1_000;
export const SWEEP_MAX_BATCHES = 100;

/**
 * Deletes the Google sign-in states (`oauth_states`) whose ten minutes are over: a sign-in that
 * was started and never completed leaves one behind, and a script starting sign-ins by the
 * thousand would otherwise grow the table without end. Each statement deletes at most `batch`
 * rows (short locks, short transactions); a sweep stops after `maxBatches` and the next one goes
 * on. Every replica sweeps; deleting a row twice is harmless.
 */
export class OAuthStateSweeper {
  constructor(
    private readonly prisma: PrismaClient,
    private readonly batch = SWEEP_BATCH,
    private readonly maxBatches = SWEEP_MAX_BATCHES,
    private readonly now: () => number = Date.now,
  ) {}

  /** Deletes expired states; resolves with how many. */
  async sweep(): Promise<number> {
    const before = new Date(this.now());
    let deleted = 0;
    for (let i = 0; i < this.maxBatches; i++) {
      const count = await this.prisma.$executeRaw`
        DELETE FROM oauth_states WHERE state_hash IN (
          SELECT state_hash FROM oauth_states WHERE expires_at <= ${before}
          LIMIT ${this.batch} FOR UPDATE SKIP LOCKED)`;
      deleted += count;
      if (count < this.batch) break;
    }
    return deleted;
  }
}

/** Runs the sweep every `IDENTITY_OAUTH_STATE_SWEEP_INTERVAL_MS`. */
@Injectable()
export class OAuthStateSweeps implements OnApplicationBootstrap, BeforeApplicationShutdown {
  readonly #logger = new Logger('oauth-states');
  #timer: NodeJS.Timeout | undefined;
  #running: Promise<void> | undefined;

  constructor(
    private readonly sweeper: OAuthStateSweeper,
    @Inject(SERVICE_CONFIG) private readonly config: IdentityConfig,
  ) {}

  onApplicationBootstrap(): void {
    this.#timer = setInterval(() => {
      this.#running ??= this.sweeper
        .sweep()
        .then(
          (deleted) => {
            if (deleted > 0) this.#logger.log({ msg: 'expired sign-in states deleted', deleted });
          },
          (error: unknown) =>
            this.#logger.warn(`sweeping expired sign-in states failed: ${String(error)}`),
        )
        .finally(() => (this.#running = undefined));
    }, this.config.IDENTITY_OAUTH_STATE_SWEEP_INTERVAL_MS);
    this.#timer.unref();
  }

  async beforeApplicationShutdown(): Promise<void> {
    clearInterval(this.#timer);
    await this.#running;
  }
}

/** The sweep of expired Google sign-in states; on whether or not Google sign-in is configured now. */
@Module({
  providers: [
    {
      provide: OAuthStateSweeper,
      inject: [Database],
      useFactory: (db: Database) => new OAuthStateSweeper(db.prisma),
    },
    OAuthStateSweeps,
  ],
  exports: [OAuthStateSweeper],
})
export class OAuthStateSweeperModule {}
