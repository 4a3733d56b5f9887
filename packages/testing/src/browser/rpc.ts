/** A protocol, written as an interface: one method per request, `(params) => result`. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type Protocol<P> = { [M in keyof P]: (params: any) => unknown };

/** What answers a protocol's requests; a handler may return its result or a promise of it. */
export type Handlers<P extends Protocol<P>> = {
  [M in keyof P]: (params: Parameters<P[M]>[0]) => ReturnType<P[M]> | Promise<ReturnType<P[M]>>;
};

/** A forked child (`ChildProcess`) in the parent, `process` in the child. */
export interface Channel {
  send(message: Envelope, callback?: (error: Error | null) => void): boolean;
  on(event: 'message', listener: (message: Envelope) => void): unknown;
}

type Envelope =
  | { rpc: 'request'; id: number; method: string; params: unknown }
  | { rpc: 'response'; id: number; result?: unknown; error?: string };

interface Pending {
  method: string;
  resolve(value: unknown): void;
  reject(error: Error): void;
  timer: NodeJS.Timeout;
}

/**
 * Requests and responses both ways over a Node IPC channel (a forked child and its parent), each
 * request bounded by a timeout so that a silent peer fails the test instead of hanging it.
 */
export class IpcRpc<Remote extends Protocol<Remote>, Local extends Protocol<Local>> {
  #nextId = 1;
  readonly #pending = new Map<number, Pending>();

  constructor(
    private readonly channel: Channel,
    private readonly local: Handlers<Local>,
    private readonly timeoutMs = 20_000,
  ) {
    channel.on('message', (message) => void this.#receive(message));
  }

  request<M extends keyof Remote & string>(
    method: M,
    params: Parameters<Remote[M]>[0],
  ): Promise<ReturnType<Remote[M]>> {
    const id = this.#nextId++;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#pending.delete(id);
        reject(new Error(`${method} got no response within ${this.timeoutMs} ms`));
      }, this.timeoutMs);
      this.#pending.set(id, { method, resolve: resolve as (v: unknown) => void, reject, timer });
      this.channel.send({ rpc: 'request', id, method, params }, (error) => {
        if (error) this.#settle(id, { error: `${method} could not be sent: ${error.message}` });
      });
    });
  }

  /** Fails every request still waiting (the peer went away). */
  failPending(reason: string): void {
    for (const id of [...this.#pending.keys()]) this.#settle(id, { error: reason });
  }

  async #receive(message: Envelope): Promise<void> {
    if (message.rpc === 'response') return this.#settle(message.id, message);
    const handler = Object.hasOwn(this.local, message.method)
      ? (this.local[message.method as keyof Local] as (params: unknown) => unknown)
      : undefined;
    try {
      if (!handler) throw new Error(`no such method: ${message.method}`);
      const result = await handler(message.params);
      this.channel.send({ rpc: 'response', id: message.id, result });
    } catch (error) {
      const text = error instanceof Error ? (error.stack ?? error.message) : String(error);
      this.channel.send({ rpc: 'response', id: message.id, error: text });
    }
  }

  #settle(id: number, outcome: { result?: unknown; error?: string }): void {
    const pending = this.#pending.get(id);
    if (!pending) return;
    this.#pending.delete(id);
    clearTimeout(pending.timer);
    if (outcome.error !== undefined)
      pending.reject(new Error(`${pending.method}: ${outcome.error}`));
    else pending.resolve(outcome.result);
  }
}
