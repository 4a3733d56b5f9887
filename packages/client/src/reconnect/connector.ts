import { CascadeError, PROTOCOL_VERSION, type SignalingHandshake } from '@cascade/contracts';

import { type CascadeLogger } from '../logger';
import { SignalingChannel } from '../signaling/signaling-channel';
import {
  type SignalingSocket,
  type SignalingTransport,
  type SocketFactory,
  type SocketFactoryOptions,
} from '../signaling/signaling-socket';
import { type TokenSource } from '../types';
import { UrlRotation } from './backoff';
import type { RetryPolicy } from './retry-policy';
import { connectFailure, judgeHandshakeFailure } from './handshake';

export interface ConnectorOptions {
  urls: string | readonly string[];
  token: TokenSource;
  /** Send the resume token in reconnection handshakes. */
  resume: boolean;
  connectTimeoutMs: number;
  requestTimeoutMs: number;
  /** When to try again (its backoff and attempts). */
  retry: Pick<RetryPolicy, 'reconnectDelay' | 'reconnectAttempts'>;
  path?: string;
  transport?: SignalingTransport;
  socketFactory: SocketFactory;
  logger: CascadeLogger;
  sleep?: (ms: number) => Promise<void>;
}

/** An accepted connection. */
export interface Connection {
  channel: SignalingChannel;
  url: string;
  /** The handshake carried a resume token (so `session.resume` is worth asking). */
  resumeTokenSent: boolean;
  /** The join token the handshake carried (the socket lives by it: see `TokenRefresher`). */
  token: string | undefined;
}

/** Answers true once the caller no longer wants the connection being made. */
export type Cancelled = () => boolean;

/**
 * Opens signaling connections: the first one, trying each gateway once in order; and after a
 * drop, one gateway after the other with backoff, carrying the resume token (until the gateway
 * says the session is gone) and a fresh join token when the token source is a function.
 */
export class Connector {
  /** Set by the client from each join result; sent in reconnection handshakes. */
  resumeToken: string | undefined;
  readonly #rotation: UrlRotation;
  readonly #sleep: (ms: number) => Promise<void>;

  constructor(private readonly options: ConnectorOptions) {
    this.#rotation = new UrlRotation(options.urls);
    this.#sleep = options.sleep ?? ((ms) => new Promise((resolve) => setTimeout(resolve, ms)));
  }

  get urls(): readonly string[] {
    return this.#rotation.urls;
  }

  /**
   * The first connection: every gateway once, in order, while they cannot be reached; a refusal
   * (bad token, forbidden, unsupported protocol) fails at once. Undefined if cancelled.
   */
  async connect(cancelled: Cancelled): Promise<Connection | undefined> {
    let last: CascadeError | undefined;
    for (let i = 0; i < this.#rotation.urls.length; i++) {
      const url = i === 0 ? this.#rotation.current : this.#rotation.advance();
      try {
        return await this.#attempt(url, false, cancelled);
      } catch (error) {
        last = asCascadeError(error);
        if (
          judgeHandshakeFailure(last, { sentResumeToken: false, refreshableToken: false }) ===
          'fatal'
        )
          throw last;
        this.options.logger.warn('gateway unreachable', { url, error: last.message });
      }
    }
    throw last as CascadeError;
  }

  /**
   * A new connection after a drop: the next gateway after a backoff delay, and so on, until one
   * accepts. Throws the refusal when retrying cannot help, or after `maxAttempts`.
   */
  async reconnect(cancelled: Cancelled): Promise<Connection | undefined> {
    const { retry, logger } = this.options;
    let last: CascadeError | undefined;
    for (let attempt = 1; attempt <= retry.reconnectAttempts; attempt++) {
      await this.#sleep(retry.reconnectDelay(attempt));
      if (cancelled()) return undefined;
      const url = this.#rotation.advance();
      const withResume = this.options.resume && this.resumeToken !== undefined;
      try {
        return await this.#attempt(url, withResume, cancelled);
      } catch (error) {
        last = asCascadeError(error);
        const verdict = judgeHandshakeFailure(last, {
          sentResumeToken: withResume,
          refreshableToken: typeof this.options.token === 'function',
        });
        logger.warn('reconnection attempt failed', { url, attempt, verdict, error: last.message });
        if (verdict === 'fatal') throw last;
        if (verdict === 'retry-without-resume') this.resumeToken = undefined;
      }
    }
    throw new CascadeError(
      last?.code ?? 'NODE_UNAVAILABLE',
      `gave up reconnecting after ${retry.reconnectAttempts} attempts: ${last?.message ?? 'no gateway'}`,
    );
  }

  /** One attempt; undefined if the caller gave up meanwhile (the socket is closed then). */
  async #attempt(
    url: string,
    withResume: boolean,
    cancelled: Cancelled,
  ): Promise<Connection | undefined> {
    const { token } = this.options;
    const auth: SignalingHandshake = {
      protocolVersion: PROTOCOL_VERSION,
      token: typeof token === 'function' ? await token() : token,
      ...(withResume && this.resumeToken !== undefined ? { resumeToken: this.resumeToken } : {}),
    };
    const socket = await openSocket(this.options.socketFactory, url, auth, {
      timeoutMs: this.options.connectTimeoutMs,
      ...(this.options.path === undefined ? {} : { path: this.options.path }),
      ...(this.options.transport === undefined ? {} : { transport: this.options.transport }),
    });
    const channel = new SignalingChannel(socket, url, this.options.requestTimeoutMs);
    if (cancelled()) {
      channel.close();
      return undefined;
    }
    this.#rotation.settle(url);
    return { channel, url, resumeTokenSent: auth.resumeToken !== undefined, token: auth.token };
  }
}

/**
 * One connection attempt: resolves with the socket once the gateway accepted the handshake,
 * rejects with its refusal (or the network failure) as a {@link CascadeError}.
 */
export function openSocket(
  factory: SocketFactory,
  url: string,
  auth: SignalingHandshake,
  options: SocketFactoryOptions,
): Promise<SignalingSocket> {
  return new Promise((resolve, reject) => {
    const socket = factory(url, auth, options);
    const done = (error?: CascadeError): void => {
      clearTimeout(timer);
      socket.off('connect', onConnect);
      socket.off('connect_error', onError);
      if (!error) return resolve(socket);
      socket.disconnect();
      reject(error);
    };
    const onConnect = (): void => done();
    const onError = (error: unknown): void => done(connectFailure(url, error));
    // Socket.IO has its own connection timeout; this one only guards against a silent socket.
    const timer = setTimeout(() => onError(new Error('timeout')), options.timeoutMs + 1_000);
    socket.on('connect', onConnect);
    socket.on('connect_error', onError);
    if (socket.connected) done();
  });
}

function asCascadeError(error: unknown): CascadeError {
  if (error instanceof CascadeError) return error;
  return new CascadeError('INTERNAL', error instanceof Error ? error.message : String(error));
}
