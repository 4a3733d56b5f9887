/** How much of one subscription's work may be under way or waiting at once. */
export interface HandlerLimits {
  /** Handlers running at once (each message's handler starts in arrival order). */
  concurrency: number;
  /** Messages waiting for a free handler; one more is refused. */
  queue: number;
}

export const DEFAULT_HANDLER_LIMITS: Readonly<HandlerLimits> = { concurrency: 200, queue: 5_000 };

/**
 * Runs the handlers of one subscription within its {@link HandlerLimits}: up to `concurrency` at
 * once, then up to `queue` waiting in arrival order, and anything beyond that is refused at once
 * (the caller answers it as overloaded) instead of piling up in memory without end.
 */
export class BoundedHandlerQueue<T> {
  readonly #waiting: T[] = [];
  #running = 0;
  #refused = 0;

  constructor(
    private readonly limits: HandlerLimits,
    private readonly run: (item: T) => Promise<void>,
  ) {}

  /** Starts or queues `item`; false (and nothing runs) when the queue is full. */
  offer(item: T): boolean {
    if (this.#running < this.limits.concurrency) {
      this.#start(item);
      return true;
    }
    if (this.#waiting.length >= this.limits.queue) {
      this.#refused++;
      return false;
    }
    this.#waiting.push(item);
    return true;
  }

  get running(): number {
    return this.#running;
  }

  get waiting(): number {
    return this.#waiting.length;
  }

  /** Items refused since the start. */
  get refused(): number {
    return this.#refused;
  }

  #start(item: T): void {
    this.#running++;
    void this.run(item)
      .catch(() => undefined)
      .finally(() => {
        this.#running--;
        const next = this.#waiting.shift();
        if (next !== undefined) this.#start(next);
      });
  }
}
