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

  /**
   * Closes every worker and resolves once their processes have exited, so that a node which
   * exits leaves no worker behind. A process that ignores the close for `killAfterMs` is killed.
   */
  async close(killAfterMs = 3_000): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await Promise.all(this.#workers.map((worker) => closeAndWait(worker, killAfterMs)));
    this.emit('closed');
  }
}

function closeAndWait(worker: ms.Worker, killAfterMs: number): Promise<void> {
  if (worker.subprocessClosed) return Promise.resolve();
  return new Promise<void>((resolve) => {
    const timer = setTimeout(() => {
      try {
        process.kill(worker.pid, 'SIGKILL');
      } catch {
        // already gone
      }
      resolve();
    }, killAfterMs);
    worker.once('subprocessclose', () => {
      clearTimeout(timer);
      resolve();
    });
    worker.close();
  });
}
