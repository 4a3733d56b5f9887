import {
  type ErrorEnvelope,
  PROTOCOL_VERSION,
  type Reply,
  type SignalingEventName,
  type SignalingEventOf,
  type SignalingMethod,
  type SignalingRequestOf,
  type SignalingResultOf,
} from '@cascade/contracts';
import { type Socket, io } from 'socket.io-client';

/** One server event as a client received it. */
export interface ReceivedEvent {
  event: string;
  payload: unknown;
  at: number;
}

export interface ConnectOptions {
  /** Default: WebSocket only (as clients try first); `['polling']` to test the fallback. */
  transports?: Array<'websocket' | 'polling'>;
  timeoutMs?: number;
  /** Query parameters of the connection's requests (the SDK's `tenant`, for CORS). */
  query?: Record<string, string>;
}

/** A refused handshake: the `connect_error` the client got, with its envelope. */
export class HandshakeRefused extends Error {
  constructor(readonly envelope: ErrorEnvelope | undefined) {
    super(`handshake refused: ${JSON.stringify(envelope)}`);
  }
}

/**
 * A raw Socket.IO client of the signaling protocol (no SDK): it connects with a handshake,
 * sends requests with an acknowledgement, and records every server event it receives, in
 * order, for assertions. It never reconnects on its own; tests decide.
 */
export class SignalingClient {
  readonly events: ReceivedEvent[] = [];

  private constructor(
    readonly url: string,
    readonly socket: Socket,
  ) {
    socket.onAny((event: string, payload: unknown) =>
      this.events.push({ event, payload, at: Date.now() }),
    );
  }

  /** Connects; rejects with {@link HandshakeRefused} when the gateway refuses the handshake. */
  static connect(
    url: string,
    auth: Record<string, unknown>,
    options: ConnectOptions = {},
  ): Promise<SignalingClient> {
    const socket = io(url, {
      path: '/socket.io',
      transports: options.transports ?? ['websocket'],
      auth: { protocolVersion: PROTOCOL_VERSION, ...auth },
      reconnection: false,
      forceNew: true,
      timeout: options.timeoutMs ?? 10_000,
      ...(options.query === undefined ? {} : { query: options.query }),
    });
    const client = new SignalingClient(url, socket);
    return new Promise((resolve, reject) => {
      socket.once('connect', () => {
        socket.off('connect_error');
        resolve(client);
      });
      socket.once('connect_error', (error: Error & { data?: ErrorEnvelope }) => {
        socket.close();
        reject(error.data ? new HandshakeRefused(error.data) : error);
      });
    });
  }

  /** Connects with a join token. */
  static withToken(url: string, token: string, options?: ConnectOptions): Promise<SignalingClient> {
    return SignalingClient.connect(url, { token }, options);
  }

  /** The envelope of a handshake the gateway must refuse (fails if it connects). */
  static async refusal(url: string, auth: Record<string, unknown>): Promise<ErrorEnvelope> {
    try {
      const client = await SignalingClient.connect(url, auth);
      client.close();
    } catch (error) {
      if (error instanceof HandshakeRefused && error.envelope) return error.envelope;
      throw error;
    }
    throw new Error(`the handshake ${JSON.stringify(auth)} was accepted`);
  }

  get id(): string | undefined {
    return this.socket.id;
  }

  get connected(): boolean {
    return this.socket.connected;
  }

  /** Sends a request and resolves with the acknowledgement (the reply, ok or not). */
  request<M extends SignalingMethod>(
    method: M,
    payload: SignalingRequestOf<M>,
    timeoutMs = 10_000,
  ): Promise<Reply<SignalingResultOf<M>>> {
    return this.raw(method, [payload], timeoutMs) as Promise<Reply<SignalingResultOf<M>>>;
  }

  /** Sends a request; resolves with its result, or throws the error envelope as an Error. */
  async call<M extends SignalingMethod>(
    method: M,
    payload: SignalingRequestOf<M>,
    timeoutMs?: number,
  ): Promise<SignalingResultOf<M>> {
    const reply = await this.request(method, payload, timeoutMs);
    if (!reply.ok) throw new Error(`${method} failed: ${reply.error.code} ${reply.error.message}`);
    return reply.data;
  }

  /** Sends any event with any arguments and an acknowledgement (for protocol abuse). */
  raw(event: string, args: unknown[], timeoutMs = 10_000): Promise<unknown> {
    return this.socket.timeout(timeoutMs).emitWithAck(event, ...args);
  }

  /** Sends any event without an acknowledgement. */
  fire(event: string, ...args: unknown[]): void {
    this.socket.emit(event, ...args);
  }

  /** Payloads of the events named `event` received so far. */
  received<E extends SignalingEventName>(event: E): Array<SignalingEventOf<E>> {
    return this.events
      .filter((e) => e.event === event)
      .map((e) => e.payload as SignalingEventOf<E>);
  }

  /** Resolves with the first event `event` (already received or to come) that matches. */
  async waitFor<E extends SignalingEventName>(
    event: E,
    matches: (payload: SignalingEventOf<E>) => boolean = () => true,
    timeoutMs = 10_000,
  ): Promise<SignalingEventOf<E>> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const found = this.received(event).find(matches);
      if (found) return found;
      if (Date.now() > deadline) {
        throw new Error(
          `no ${event} within ${timeoutMs} ms; received: ${JSON.stringify(this.events.map((e) => e.event))}`,
        );
      }
      await new Promise((r) => setTimeout(r, 25));
    }
  }

  /** Resolves once the server closed the connection (or rejects after `timeoutMs`). */
  disconnected(timeoutMs = 10_000): Promise<string> {
    if (!this.socket.connected) return Promise.resolve('already disconnected');
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('still connected')), timeoutMs);
      this.socket.once('disconnect', (reason) => {
        clearTimeout(timer);
        resolve(reason);
      });
    });
  }

  /** Drops the connection without leaving (the server sees a drop). */
  close(): void {
    this.socket.close();
  }
}
