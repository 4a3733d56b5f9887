import { CascadeError } from '@cascade/contracts';

import type { ConnectionState } from '../types';

/** Why the client is done for good. */
export type EndReason = 'left' | 'removed' | 'failed';

/** What moves the connection from one state to another. */
export type ConnectionEvent =
  /** `connect()` (or `join()`) opens the first connection. */
  | 'connect'
  /** A gateway accepted the handshake, or the session was restored on a new connection. */
  | 'connected'
  /** The first connection could not be opened. */
  | 'connectFailed'
  /** The connection dropped, or the media node was lost: the client is restoring its session. */
  | 'lost'
  /** The client left, was removed, or gave up. */
  | 'end';

/**
 * The connection's states and what moves between them:
 *
 * ```text
 * disconnected ─connect→ connecting ─connected→ connected ─lost→ reconnecting ─connected→ connected
 *                        connecting ─connectFailed→ disconnected
 * any ─end→ disconnected (for good)
 * ```
 *
 * (`connect` from `connected` too: a socket that went down before its loss was reported is
 * connected again by `connect()`. Its loss may then be reported while that new attempt runs, or
 * after it failed: `lost` from `connecting` and from `disconnected` restores the session as from
 * `connected`, and that restore's `connected` is taken from `disconnected` too, so the client is
 * never left `disconnected` while it is in fact connected.)
 *
 * Anything else is a bug of the client (reported through `invalid`, the state stays). Once the
 * client ended, only `end` is taken. A state announced is a state changed: the same state twice is
 * announced once.
 */
const TRANSITIONS: Record<ConnectionState, Partial<Record<ConnectionEvent, ConnectionState>>> = {
  disconnected: {
    connect: 'connecting',
    lost: 'reconnecting',
    connected: 'connected',
    end: 'disconnected',
  },
  connecting: {
    connected: 'connected',
    connectFailed: 'disconnected',
    lost: 'reconnecting',
    end: 'disconnected',
  },
  connected: {
    connect: 'connecting',
    connected: 'connected',
    lost: 'reconnecting',
    end: 'disconnected',
  },
  reconnecting: { lost: 'reconnecting', connected: 'connected', end: 'disconnected' },
};

export interface ConnectionMachineOptions {
  /** Told of every change of state. */
  changed(state: ConnectionState): void;
  /** Told of an event the current state does not take (a bug). */
  invalid(state: ConnectionState, event: ConnectionEvent): void;
}

/**
 * The client's connection state, as an explicit state machine (see {@link TRANSITIONS}), plus
 * two facts every asynchronous step of the client checks: whether the client is done for good
 * (`ended`) and which connection is current (`generation`, bumped by each new connection and
 * by the end, so that work started for an older one sees it was overtaken and stops).
 */
export class ConnectionMachine {
  #state: ConnectionState = 'disconnected';
  #ended: EndReason | undefined;
  #generation = 0;
  readonly #waiting = new Set<() => void>();

  constructor(private readonly options: ConnectionMachineOptions) {}

  get state(): ConnectionState {
    return this.#state;
  }

  get ended(): EndReason | undefined {
    return this.#ended;
  }

  get generation(): number {
    return this.#generation;
  }

  /** A new connection (or the end) begins: what an older one started is stale from now on. */
  nextGeneration(): number {
    return ++this.#generation;
  }

  /** A check for work started now: true once a newer connection or the end overtook it. */
  staleCheck(generation = this.#generation): () => boolean {
    return () => generation !== this.#generation || this.#ended !== undefined;
  }

  /** Moves on `event`; returns whether the state changed. */
  send(event: ConnectionEvent): boolean {
    const next = TRANSITIONS[this.#state][event];
    if (this.#ended && event !== 'end') return false;
    if (next === undefined) {
      this.options.invalid(this.#state, event);
      return false;
    }
    if (next === this.#state) return false;
    this.#state = next;
    this.options.changed(next);
    for (const wake of [...this.#waiting]) wake();
    return true;
  }

  /** The client is done for good (the first reason stays); false if it was already. */
  end(reason: EndReason): boolean {
    if (this.#ended) return false;
    this.#ended = reason;
    this.#generation++;
    // Whoever waits for the connection is told now, whatever the state (even `disconnected`).
    for (const wake of [...this.#waiting]) wake();
    return true;
  }

  /**
   * Resolves once connected (at once if `ready()` says the connection is up), rejects when the
   * client ends or drops to disconnected meanwhile.
   */
  untilConnected(ready: () => boolean): Promise<void> {
    if (this.#ended) return Promise.reject(this.endedError());
    if (this.#state === 'connected' && ready()) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const wake = (): void => {
        if (this.#ended) reject(this.endedError());
        else if (this.#state === 'connected') resolve();
        else if (this.#state === 'disconnected') reject(this.endedError());
        else return;
        this.#waiting.delete(wake);
      };
      this.#waiting.add(wake);
    });
  }

  /** `CONFLICT`: what a call on a client that is done (or not connected) rejects with. */
  endedError(): CascadeError {
    return new CascadeError(
      'CONFLICT',
      this.#ended ? `the client is done (${this.#ended}): create a new one` : 'not connected',
    );
  }
}
