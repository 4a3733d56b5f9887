import { EventEmitter } from 'node:events';

import type { types as ms } from 'mediasoup';

export interface WorkerSlot {
  readonly index: number;
  readonly worker: ms.Worker;
  readonly webRtcServer: ms.WebRtcServer;
}

export interface WorkerPoolSettings {
  count: number;
  logLevel: ms.WorkerLogLevel;
  listenIp: string;
  announcedAddress: string;
  /** Worker i's WebRtcServer listens on UDP and TCP `webRtcPortBase + i`. */
  webRtcPortBase: number;
}

export interface WorkerPoolEvents {
  /** A worker process died; everything it hosted is gone. A replacement is being started. */
  workerDied: [index: number, error: Error];
  /** A new worker serves the index of one that died, on the same ports. */
  workerReplaced: [index: number];
  workerReplaceFailed: [index: number, error: unknown];
  closed: [];
}

export type CreateWorker = (settings: ms.WorkerSettings) => Promise<ms.Worker>;

/**
 * The mediasoup workers of one node, one per configured core, each with a WebRtcServer on a
 * fixed port so that a Kubernetes pod needs only a few ports. A worker that dies is replaced at
 * the same index (same ports). Owns its workers: `close()` closes them and waits for their
 * processes to exit, then emits `closed` once.
 */
export class WorkerPool extends EventEmitter<WorkerPoolEvents> {
  readonly #slots: Array<WorkerSlot | undefined> = [];
  #closed = false;

  constructor(
    private readonly createWorker: CreateWorker,
    private readonly settings: WorkerPoolSettings,
  ) {
    super();
  }

  get closed(): boolean {
    return this.#closed;
  }

  get size(): number {
    return this.settings.count;
  }

  /** The live slots (a slot being replaced after a death is missing for a moment). */
  get slots(): WorkerSlot[] {
    return this.#slots.filter((s): s is WorkerSlot => s !== undefined);
  }

  slot(index: number): WorkerSlot | undefined {
    return this.#slots[index];
  }

  async start(): Promise<void> {
    for (let index = 0; index < this.settings.count; index++)
      this.#slots[index] = await this.#spawn(index);
  }

  /** True when every configured worker runs. */
  get healthy(): boolean {
    return (
      !this.#closed &&
      this.#slots.length === this.settings.count &&
      this.#slots.every((s) => s !== undefined && !s.worker.died && !s.worker.closed)
    );
  }

  async close(killAfterMs = 3_000): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await Promise.all(this.slots.map((s) => closeAndWait(s.worker, killAfterMs)));
    this.emit('closed');
  }

  async #spawn(index: number): Promise<WorkerSlot> {
    const { listenIp, announcedAddress, webRtcPortBase } = this.settings;
    const worker = await this.createWorker({
      logLevel: this.settings.logLevel,
      appData: { index },
    });
    try {
      const port = webRtcPortBase + index;
      const webRtcServer = await worker.createWebRtcServer({
        listenInfos: [
          { protocol: 'udp', ip: listenIp, announcedAddress, port },
          { protocol: 'tcp', ip: listenIp, announcedAddress, port },
        ],
      });
      worker.on('died', (error) => void this.#onDied(index, worker, error));
      return { index, worker, webRtcServer };
    } catch (error) {
      worker.close();
      throw error;
    }
  }

  async #onDied(index: number, worker: ms.Worker, error: Error): Promise<void> {
    if (this.#slots[index]?.worker !== worker) return;
    this.#slots[index] = undefined;
    if (this.#closed) return;
    this.emit('workerDied', index, error);
    try {
      const slot = await this.#spawn(index);
      if (this.#closed) {
        slot.worker.close();
        return;
      }
      this.#slots[index] = slot;
      this.emit('workerReplaced', index);
    } catch (spawnError) {
      this.emit('workerReplaceFailed', index, spawnError);
    }
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
