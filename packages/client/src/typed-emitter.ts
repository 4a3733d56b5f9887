/** A listener of one event: every event carries exactly one payload. */
export type Listener<P> = (payload: P) => void;

/** A listener of every event: called with the event's name and its payload. */
export type AnyListener<Events> = (
  ...args: { [K in keyof Events]: [event: K, payload: Events[K]] }[keyof Events]
) => void;

/**
 * A small typed event emitter that runs in browsers and in Node alike. `Events` maps each event
 * name to its payload type. A listener that throws does not stop the others, nor the emitter's
 * owner: the error goes to {@link TypedEmitter.listenerFailed}.
 */
export class TypedEmitter<Events extends object> {
  readonly #listeners = new Map<keyof Events, Set<Listener<never>>>();
  readonly #any = new Set<AnyListener<Events>>();

  on<K extends keyof Events>(event: K, listener: Listener<Events[K]>): this {
    let listeners = this.#listeners.get(event);
    if (!listeners) this.#listeners.set(event, (listeners = new Set()));
    listeners.add(listener as Listener<never>);
    return this;
  }

  /** Like {@link on}, for the next occurrence only. `off(event, listener)` cancels it. */
  once<K extends keyof Events>(event: K, listener: Listener<Events[K]>): this {
    const wrapper: Listener<Events[K]> & { original?: unknown } = (payload) => {
      this.off(event, wrapper);
      listener(payload);
    };
    wrapper.original = listener;
    return this.on(event, wrapper);
  }

  off<K extends keyof Events>(event: K, listener: Listener<Events[K]>): this {
    const listeners = this.#listeners.get(event);
    if (!listeners) return this;
    for (const candidate of listeners) {
      const original = (candidate as { original?: unknown }).original;
      if (candidate === listener || original === listener) listeners.delete(candidate);
    }
    return this;
  }

  /** Listens to every event, in the order they are emitted (logging, recording, bridging). */
  onAny(listener: AnyListener<Events>): this {
    this.#any.add(listener);
    return this;
  }

  offAny(listener: AnyListener<Events>): this {
    this.#any.delete(listener);
    return this;
  }

  /** Removes every listener of `event`, or of every event. */
  removeAllListeners(event?: keyof Events): this {
    if (event === undefined) {
      this.#listeners.clear();
      this.#any.clear();
    } else {
      this.#listeners.delete(event);
    }
    return this;
  }

  listenerCount(event: keyof Events): number {
    return this.#listeners.get(event)?.size ?? 0;
  }

  /** Calls every listener of `event` (then every `onAny` listener); true if there was any. */
  protected emit<K extends keyof Events>(event: K, payload: Events[K]): boolean {
    const listeners = [...(this.#listeners.get(event) ?? [])];
    for (const listener of listeners) this.#call(event, () => listener(payload as never));
    for (const listener of [...this.#any]) {
      this.#call(event, () => (listener as (e: K, p: Events[K]) => void)(event, payload));
    }
    return listeners.length + this.#any.size > 0;
  }

  /** A listener threw. Subclasses report it; the default drops it. */
  protected listenerFailed(_error: unknown, _event: keyof Events): void {}

  #call(event: keyof Events, call: () => void): void {
    try {
      call();
    } catch (error) {
      this.listenerFailed(error, event);
    }
  }
}
