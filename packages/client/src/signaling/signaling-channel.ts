import {
  CascadeError,
  ErrorEnvelope,
  type SignalingEventName,
  type SignalingEventOf,
  type SignalingMethod,
  type SignalingRequestOf,
  type SignalingResultOf,
} from '@cascade/contracts';

import { type SignalingSocket } from './signaling-socket';

/** Why a request failed without an answer from the gateway. */
export type LostReason = 'timeout' | 'disconnected';

/**
 * A request that got no answer: it timed out, or the connection went away first. The request
 * may or may not have reached the gateway.
 */
export function noAnswer(method: string, reason: LostReason, timeoutMs?: number): CascadeError {
  return reason === 'timeout'
    ? new CascadeError('TIMEOUT', `${method} got no answer within ${timeoutMs} ms`, {
        method,
        reason,
      })
    : new CascadeError('NODE_UNAVAILABLE', `${method}: the connection to the gateway was lost`, {
        method,
        reason,
      });
}

/** True for the error of a request that failed because the connection went away. */
export function isConnectionLost(error: unknown): boolean {
  return error instanceof CascadeError && error.details?.['reason'] === 'disconnected';
}

/**
 * Turns an acknowledgement into the result or a {@link CascadeError}: `{ ok: true, data }` or
 * `{ ok: false, error: ErrorEnvelope }`. Anything else is the gateway's fault (`INTERNAL`).
 */
export function unwrapAck<T>(method: string, reply: unknown): T {
  if (typeof reply === 'object' && reply !== null && 'ok' in reply) {
    const { ok } = reply as { ok: unknown };
    if (ok === true && 'data' in reply) return (reply as { data: T }).data;
    if (ok === false) {
      const envelope = ErrorEnvelope.safeParse((reply as { error?: unknown }).error);
      if (envelope.success) throw CascadeError.fromEnvelope(envelope.data);
    }
  }
  throw new CascadeError('INTERNAL', `${method}: malformed acknowledgement from the gateway`, {
    method,
  });
}

interface Pending {
  method: string;
  reject(error: CascadeError): void;
  timer: ReturnType<typeof setTimeout>;
}

/**
 * One connected socket to a gateway, typed by the signaling protocol: requests with an
 * acknowledgement and a timeout, and the server's events. When the socket disconnects every
 * request still waiting fails at once (with {@link isConnectionLost}); the channel is then done.
 */
export class SignalingChannel {
  readonly #pending = new Set<Pending>();
  readonly #subscriptions: Array<[string, (...args: unknown[]) => void]> = [];
  #closed = false;

  constructor(
    readonly socket: SignalingSocket,
    readonly url: string,
    private readonly timeoutMs: number,
  ) {
    this.#listen('disconnect', () => this.#failPending());
  }

  get connected(): boolean {
    return !this.#closed && this.socket.connected;
  }

  request<M extends SignalingMethod>(
    method: M,
    payload: SignalingRequestOf<M>,
    timeoutMs = this.timeoutMs,
  ): Promise<SignalingResultOf<M>> {
    if (!this.connected) return Promise.reject(noAnswer(method, 'disconnected'));
    return new Promise((resolve, reject) => {
      const pending: Pending = {
        method,
        reject,
        timer: setTimeout(() => {
          this.#pending.delete(pending);
          reject(noAnswer(method, 'timeout', timeoutMs));
        }, timeoutMs),
      };
      this.#pending.add(pending);
      this.socket.emit(method, payload, (reply: unknown) => {
        if (!this.#pending.delete(pending)) return; // already timed out or failed
        clearTimeout(pending.timer);
        try {
          resolve(unwrapAck<SignalingResultOf<M>>(method, reply));
        } catch (error) {
          reject(error);
        }
      });
    });
  }

  /** Listens to a server event for as long as the channel lives. */
  on<E extends SignalingEventName>(
    event: E,
    listener: (payload: SignalingEventOf<E>) => void,
  ): void {
    this.#listen(event, listener as (...args: unknown[]) => void);
  }

  /** Listens to the socket's own `disconnect` (once: the channel is over then). */
  onDisconnect(listener: (reason: string) => void): void {
    this.#listen('disconnect', listener as (...args: unknown[]) => void);
  }

  /** Detaches from the socket and closes it; requests still waiting fail as disconnected. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    for (const [event, listener] of this.#subscriptions.splice(0)) this.socket.off(event, listener);
    this.#failPending();
    this.socket.disconnect();
  }

  /** Drops the connection the way a network failure would (the socket's engine closes). */
  drop(): void {
    const engine = this.socket.io?.engine;
    if (engine) engine.close();
    else this.socket.disconnect();
  }

  #listen(event: string, listener: (...args: unknown[]) => void): void {
    this.#subscriptions.push([event, listener]);
    this.socket.on(event, listener);
  }

  #failPending(): void {
    for (const pending of [...this.#pending]) {
      this.#pending.delete(pending);
      clearTimeout(pending.timer);
      pending.reject(noAnswer(pending.method, 'disconnected'));
    }
  }
}
