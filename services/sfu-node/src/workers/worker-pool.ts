import { EventEmitter } from 'node:events';

import type { types as ms } from 'mediasoup';

export interface WorkerPoolEvents {
  /** A worker process died. The pool stays open with the others; the node is not ready. */
  workerDied: [index: number, error: Error];
  closed: [];
}

export type CreateWorker = (settings: ms.WorkerSettings) => Promise<ms.Worker>;

/**
 * The mediasoup workers of one node, one per configured core. Owns them: `close()` closes every
 * worker and emits `closed` once.
 */
export class WorkerPool extends EventEmitter<WorkerPoolEvents> {
  readonly #workers: ms.Worker[] = [];
  #closed = false;

  constructor(
    private readonly createWorker: CreateWorker,
    private readonly settings: { count: number; logLevel: ms.WorkerLogLevel },
  ) {
    super();
  }

  get closed(): boolean {
    return this.#closed;
  }

  get workers(): readonly ms.Worker[] {
    return this.#workers;
  }

  async start(): Promise<void> {
    for (let index = 0; index < this.settings.count; index++) {
      const worker = await this.createWorker({
        logLevel: this.settings.logLevel,
        appData: { index },
      });
      worker.on('died', (error) => this.emit('workerDied', index, error));
      this.#workers.push(worker);
    }
  }

  /** True when the pool holds every configured worker and none has died. */
  get healthy(): boolean {
    return (
      !this.#closed &&
      this.#workers.length === this.settings.count &&
      this.#workers.every((w) => !w.died && !w.closed)
    );
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    for (const worker of this.#workers) worker.close();
    this.emit('closed');
  }
}
