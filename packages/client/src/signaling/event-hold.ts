/**
 * Holds server events while the room is being (re)established and replays them after, in order,
 * so that an event sent meanwhile lands on the restored room rather than on a half-made one.
 * Holds nest (each `hold()` has its `release()`); events are delivered when the last one ends.
 * An event whose `stale()` check says its connection was replaced meanwhile is dropped.
 */
export class EventHold<E> {
  #held: E[] = [];
  #holding = 0;

  constructor(
    private readonly deliver: (event: E) => void,
    private readonly stale: (event: E) => boolean,
  ) {}

  get holding(): boolean {
    return this.#holding > 0;
  }

  /** Delivers `event` now, or after the hold. */
  receive(event: E): void {
    if (this.#holding > 0) this.#held.push(event);
    else this.deliver(event);
  }

  hold(): void {
    this.#holding++;
  }

  /** Whether an event held now (not yet delivered) matches. */
  someHeld(match: (event: E) => boolean): boolean {
    return this.#held.some(match);
  }

  /** Ends one hold; the last one replays what was held (what went stale is dropped). */
  release(): void {
    if (--this.#holding > 0) return;
    for (const event of this.#held.splice(0)) if (!this.stale(event)) this.deliver(event);
  }

  /** Forgets what was held (the client is done). */
  clear(): void {
    this.#held = [];
  }
}
