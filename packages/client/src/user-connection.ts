import { CascadeError, PROTOCOL_VERSION, UserEvent, toFieldIssues } from '@cascade/contracts';

import { type CascadeLogger, silentLogger } from './logger';
import { type Backoff, backoffDelay, resolveBackoff, UrlRotation } from './reconnect/backoff';
import { openSocket } from './reconnect/connector';
import { judgeHandshakeFailure } from './reconnect/handshake';
import { SignalingChannel } from './signaling/signaling-channel';
import {
  type SignalingTransport,
  type SocketFactory,
  socketIoFactory,
} from './signaling/signaling-socket';
import { TypedEmitter } from './typed-emitter';
import type { BackoffOptions, ConnectionState } from './types';

/** The connection as the application sees it (the same states as a {@link CascadeClient}'s). */
export type UserConnectionState = ConnectionState;

export interface UserConnectionOptions {
  /** The gateway, or several: each new attempt after a failure moves on to the next one. */
  url: string | readonly string[];
  /**
   * The signed-in user's access token (identity's, audience `cascade-api`). Asked before every
   * connection attempt, since access tokens live about 15 minutes: return a fresh one.
   */
  accessToken: () => string | Promise<string>;
  /** Socket.IO path on the gateway (default `/socket.io`). */
  path?: string;
  /** `websocket` (default) or `websocket-or-polling`: see {@link SignalingTransport}. */
  transport?: SignalingTransport;
  /** Spacing of reconnection attempts (default from 500 ms up to 30 s; it never gives up). */
  reconnect?: Omit<BackoffOptions, 'maxAttempts'>;
  /** How long one connection attempt may take (ms, default 10000). */
  connectTimeoutMs?: number;
  /** How long a request (`ping`) waits for its answer (ms, default 10000). */
  requestTimeoutMs?: number;
  logger?: CascadeLogger;
}

/** Every event of a {@link UserConnection}, by name, with its payload. */
export interface UserConnectionEvents {
  /** A notification for the user: an invitation, a friend request, a friend's presence… */
  notification: UserEvent;
  state: UserConnectionState;
  /**
   * The connection stopped for good: the gateway refused it for a reason that retrying cannot
   * cure (`FORBIDDEN`, `UNSUPPORTED_PROTOCOL`, `INVALID_ARGUMENT`). The state is `disconnected`.
   */
  error: CascadeError;
}

/** What tests replace: how sockets are made, and time. Not for applications. */
export interface UserConnectionSeams {
  socketFactory?: SocketFactory;
  random?: () => number;
  sleep?: (ms: number) => Promise<void>;
}

/** It never gives up: the connection lives as long as the app (maxAttempts is not used). */
const USER_CONNECTION_BACKOFF = {
  initialDelayMs: 500,
  maxDelayMs: 30_000,
  multiplier: 2,
  jitter: 0.3,
} as const;

const closedError = () => new CascadeError('CONFLICT', 'the user connection was closed');

/**
 * The signed-in user's connection to a gateway while the app is open, in no room: it receives
 * the user's notifications (invitations, friend requests, friends' presence), each validated
 * against the contract before it is emitted. It keeps itself connected: after a drop or a failed
 * attempt it tries again with backoff, asking for a fresh access token before every attempt (and
 * once more at once when the gateway refuses the token as `UNAUTHENTICATED`, say expired).
 * WebSocket first, long-polling as the fallback; browsers and Node alike.
 *
 * ```ts
 * const connection = new UserConnection({ url: 'https://cascade.example.com', accessToken: getAccessToken });
 * connection.on('notification', (event) => show(event));
 * connection.on('state', (state) => setOnline(state === 'connected'));
 * await connection.connect();
 * // … when the user signs out or the app closes:
 * connection.close();
 * ```
 */
export class UserConnection extends TypedEmitter<UserConnectionEvents> {
  readonly #options: UserConnectionOptions;
  readonly #logger: CascadeLogger;
  readonly #urls: UrlRotation;
  readonly #backoff: Backoff;
  readonly #socketFactory: SocketFactory;
  readonly #random: () => number;
  readonly #sleep: ((ms: number) => Promise<void>) | undefined;

  #state: UserConnectionState = 'disconnected';
  #channel: SignalingChannel | undefined;
  /** The first connection of the current run (until close or a fatal refusal). */
  #running: Promise<void> | undefined;
  /** Bumped by every run and by close(): stale work compares and stops. */
  #generation = 0;
  /** Ends the backoff pause in progress (close() calls it). */
  #wake: (() => void) | undefined;

  constructor(options: UserConnectionOptions, seams: UserConnectionSeams = {}) {
    super();
    if (typeof options.accessToken !== 'function')
      throw new TypeError('accessToken must be a function that returns the access token');
    this.#options = options;
    this.#logger = options.logger ?? silentLogger;
    this.#urls = new UrlRotation(options.url);
    const reconnect = options.reconnect ?? {};
    this.#backoff = resolveBackoff({
      initialDelayMs: reconnect.initialDelayMs ?? USER_CONNECTION_BACKOFF.initialDelayMs,
      maxDelayMs: reconnect.maxDelayMs ?? USER_CONNECTION_BACKOFF.maxDelayMs,
      multiplier: reconnect.multiplier ?? USER_CONNECTION_BACKOFF.multiplier,
      jitter: reconnect.jitter ?? USER_CONNECTION_BACKOFF.jitter,
    });
    this.#socketFactory = seams.socketFactory ?? socketIoFactory;
    this.#random = seams.random ?? Math.random;
    this.#sleep = seams.sleep;
  }

  get state(): UserConnectionState {
    return this.#state;
  }

  /** The gateway this connection is on (the last one, while reconnecting). */
  get url(): string {
    return this.#urls.current;
  }

  /**
   * Connects, and keeps the connection until {@link close}. Resolves once connected (retrying
   * while the gateway cannot be reached or refuses for a passing reason); rejects when the
   * gateway refuses for good (also emitted as `error`) or when `close()` comes first. Calling it
   * again while connecting or connected returns the same promise.
   */
  connect(): Promise<void> {
    if (this.#running) return this.#running;
    const generation = ++this.#generation;
    const running = this.#establish(generation, 'connecting');
    this.#running = running;
    running.catch(() => {
      if (this.#running === running) this.#running = undefined;
    });
    return running;
  }

  /** Closes the connection and stops reconnecting (idempotent). `connect()` starts again. */
  close(): void {
    this.#generation++;
    this.#running = undefined;
    this.#wake?.();
    const channel = this.#channel;
    this.#channel = undefined;
    channel?.close();
    this.#setState('disconnected');
  }

  /** Asks the gateway for its clock (`user.ping`): ms since the epoch. */
  async ping(): Promise<number> {
    const channel = this.#channel;
    if (!channel?.connected)
      throw new CascadeError('NODE_UNAVAILABLE', 'the user connection is not connected');
    return (await channel.request('user.ping', {})).at;
  }

  protected override listenerFailed(error: unknown, event: keyof UserConnectionEvents): void {
    this.#logger.error('an event listener threw', { event, error: String(error) });
  }

  /**
   * Tries until a gateway accepts (or the run is over): the first attempt at once when
   * connecting, after a pause when reconnecting; each failure waits longer before the next.
   */
  async #establish(generation: number, state: 'connecting' | 'reconnecting'): Promise<void> {
    const current = () => generation === this.#generation;
    this.#setState(state);
    let failures = state === 'reconnecting' ? 1 : 0;
    let pause = state === 'reconnecting';
    let freshTokenAsked = false;
    for (;;) {
      if (pause) await this.#pause(backoffDelay(failures, this.#backoff, this.#random));
      if (!current()) throw closedError();
      const url = failures === 0 ? this.#urls.current : this.#urls.advance();
      try {
        const accessToken = await this.#options.accessToken();
        if (!current()) throw closedError();
        const socket = await openSocket(
          this.#socketFactory,
          url,
          { protocolVersion: PROTOCOL_VERSION, accessToken },
          {
            timeoutMs: this.#options.connectTimeoutMs ?? 10_000,
            ...(this.#options.path === undefined ? {} : { path: this.#options.path }),
            ...(this.#options.transport === undefined
              ? {}
              : { transport: this.#options.transport }),
          },
        );
        const channel = new SignalingChannel(socket, url, this.#options.requestTimeoutMs ?? 10_000);
        if (!current()) {
          channel.close();
          throw closedError();
        }
        this.#urls.settle(url);
        this.#attach(channel);
        this.#setState('connected');
        this.#logger.info('user connection open', { url });
        return;
      } catch (error) {
        if (!current()) throw closedError();
        const failure = asCascadeError(error);
        const verdict = judgeHandshakeFailure(failure, {
          sentResumeToken: false,
          refreshableToken: true,
        });
        if (verdict === 'fatal') {
          this.#fail(failure);
          throw failure;
        }
        failures++;
        // An access token that just expired: ask for a fresh one and try again at once, once.
        pause = freshTokenAsked || failure.code !== 'UNAUTHENTICATED';
        if (failure.code === 'UNAUTHENTICATED') freshTokenAsked = true;
        this.#logger.warn('user connection attempt failed', {
          url,
          code: failure.code,
          error: failure.message,
          retry: pause ? 'after a pause' : 'now, with a fresh access token',
        });
      }
    }
  }

  #attach(channel: SignalingChannel): void {
    this.#channel = channel;
    channel.on('user.notification', (payload) => this.#notify(payload));
    channel.onDisconnect((reason) => this.#dropped(channel, reason));
  }

  #dropped(channel: SignalingChannel, reason: string): void {
    if (channel !== this.#channel) return;
    this.#channel = undefined;
    channel.close();
    this.#logger.warn('user connection lost: reconnecting', { url: channel.url, reason });
    const generation = ++this.#generation;
    const running = this.#establish(generation, 'reconnecting');
    this.#running = running;
    running.catch(() => {
      if (this.#running === running) this.#running = undefined;
    });
  }

  /** Emits a notification that matches the contract; anything else is dropped. */
  #notify(payload: unknown): void {
    const parsed = UserEvent.safeParse(payload);
    if (!parsed.success) {
      this.#logger.warn('dropped a notification that does not match the contract', {
        issues: toFieldIssues(parsed.error),
      });
      return;
    }
    this.emit('notification', parsed.data);
  }

  #fail(error: CascadeError): void {
    this.#generation++;
    this.#running = undefined;
    this.#setState('disconnected');
    this.#logger.error('user connection refused for good', {
      code: error.code,
      error: error.message,
    });
    this.emit('error', error);
  }

  #setState(state: UserConnectionState): void {
    if (state === this.#state) return;
    this.#state = state;
    this.emit('state', state);
  }

  /** Waits `ms`, or less if the connection is closed meanwhile. */
  #pause(ms: number): Promise<void> {
    if (this.#sleep) return this.#sleep(ms);
    return new Promise((resolve) => {
      const wake = (): void => {
        clearTimeout(timer);
        if (this.#wake === wake) this.#wake = undefined;
        resolve();
      };
      const timer = setTimeout(wake, ms);
      this.#wake = wake;
    });
  }
}

function asCascadeError(error: unknown): CascadeError {
  if (error instanceof CascadeError) return error;
  return new CascadeError('INTERNAL', error instanceof Error ? error.message : String(error));
}
