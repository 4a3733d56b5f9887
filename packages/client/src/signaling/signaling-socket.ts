import { type SignalingHandshake } from '@cascade/contracts';
import { io } from 'socket.io-client';

/**
 * What the SDK needs of a Socket.IO client socket. `socket.io-client`'s `Socket` is one; tests
 * pass fakes.
 */
export interface SignalingSocket {
  readonly connected: boolean;
  emit(event: string, ...args: unknown[]): unknown;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- Socket.IO listeners take any
  on(event: string, listener: (...args: any[]) => void): unknown;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  off(event: string, listener?: (...args: any[]) => void): unknown;
  disconnect(): unknown;
  /** Socket.IO's manager: closing its engine drops the connection as a network failure does. */
  readonly io?: { engine?: { close(): unknown } };
}

export interface SocketFactoryOptions {
  /** Give up the connection attempt after this long (ms). */
  timeoutMs: number;
  /** Socket.IO path on the server. */
  path?: string;
}

/** Opens one connection attempt to `url` with `auth` as the handshake; it connects by itself. */
export type SocketFactory = (
  url: string,
  auth: SignalingHandshake,
  options: SocketFactoryOptions,
) => SignalingSocket;

/**
 * The real thing: a Socket.IO client that tries WebSocket first and falls back to long-polling.
 * Socket.IO's own reconnection is off: the SDK reconnects itself, to the next gateway, with a
 * fresh handshake (resume token, refreshed join token).
 */
export const socketIoFactory: SocketFactory = (url, auth, { timeoutMs, path }) =>
  io(url, {
    auth,
    forceNew: true,
    reconnection: false,
    timeout: timeoutMs,
    transports: ['websocket', 'polling'],
    tryAllTransports: true,
    ...(path === undefined ? {} : { path }),
  }) as unknown as SignalingSocket;
