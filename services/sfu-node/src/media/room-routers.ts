import { CascadeError } from '@cascade/contracts';
import type { types as ms } from 'mediasoup';

import { ROOM_MEDIA_CODECS } from './media-codecs';

/** The narrow part of a mediasoup worker a room's routers need (tests pass a fake). */
export type RouterWorker = Pick<ms.Worker, 'createRouter'>;

/**
 * A room's routers on this node: one per worker that hosts some of its participants, created
 * on first use, and the producers piped between them inside the node (`pipeToRouter`, once per
 * producer and router). A router whose creation failed is forgotten, so a later call tries again.
 */
export class RoomRouters {
  readonly #routers = new Map<number, Promise<ms.Router>>();
  readonly #piped = new Map<string, Promise<void>>();

  constructor(
    private readonly roomKey: string,
    private readonly worker: (index: number) => RouterWorker | undefined,
  ) {}

  /** Workers this room has a router on. */
  get workerIndexes(): number[] {
    return [...this.#routers.keys()];
  }

  has(workerIndex: number): boolean {
    return this.#routers.has(workerIndex);
  }

  router(workerIndex: number): Promise<ms.Router> {
    let router = this.#routers.get(workerIndex);
    if (!router) {
      const worker = this.worker(workerIndex);
      if (!worker)
        throw new CascadeError(
          'NODE_UNAVAILABLE',
          `worker ${workerIndex} is not running on this node`,
        );
      router = worker.createRouter({
        mediaCodecs: ROOM_MEDIA_CODECS,
        appData: { room: this.roomKey },
      });
      this.#routers.set(workerIndex, router);
      router.catch(() => {
        if (this.#routers.get(workerIndex) === router) this.#routers.delete(workerIndex);
      });
    }
    return router;
  }

  /** Pipes a producer from its worker's router to `to`'s, once (concurrent callers share it). */
  async pipeProducer(producerId: string, from: number, to: number): Promise<void> {
    if (from === to) return;
    const key = `${producerId}:${to}`;
    let piping = this.#piped.get(key);
    if (!piping) {
      piping = (async () => {
        const [source, target] = await Promise.all([this.router(from), this.router(to)]);
        await source.pipeToRouter({ producerId, router: target });
      })();
      this.#piped.set(key, piping);
      piping.catch(() => {
        if (this.#piped.get(key) === piping) this.#piped.delete(key);
      });
    }
    await piping;
  }

  /** Pipes a data producer to `to`'s router; one piped there already is fine. */
  async pipeDataProducer(dataProducerId: string, from: number, to: number): Promise<void> {
    if (from === to) return;
    const [source, target] = await Promise.all([this.router(from), this.router(to)]);
    await source.pipeToRouter({ dataProducerId, router: target }).catch((error: unknown) => {
      // Already piped to that router by an earlier consumer.
      if (!(error instanceof Error) || !/already/i.test(error.message)) throw error;
    });
  }

  /** The producer closed: what was piped of it is gone too. */
  forgetProducer(producerId: string): void {
    for (const key of this.#piped.keys())
      if (key.startsWith(`${producerId}:`)) this.#piped.delete(key);
  }

  /**
   * The worker died: its router is gone, and with it what was piped there (a replacement
   * worker at the same index gets a new router, to which producers must be piped again).
   * True if the room had a router there.
   */
  workerLost(workerIndex: number): boolean {
    for (const key of this.#piped.keys())
      if (key.endsWith(`:${workerIndex}`)) this.#piped.delete(key);
    return this.#routers.delete(workerIndex);
  }

  /** Closes every router (and so everything on them). */
  close(): void {
    for (const router of this.#routers.values())
      void router.then(
        (r) => r.close(),
        () => undefined,
      );
    this.#routers.clear();
    this.#piped.clear();
  }
}
