import { type SignalingHandshake } from '@cascade/contracts';
import { type ManagerOptions, type SocketOptions, io } from 'socket.io-client';

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

/**
 * How the SDK reaches a gateway.
 *
 * - `websocket` (the default): a WebSocket only. One connection that stays on the gateway that
 *   accepted it, so no sticky cookie is needed and it works from any origin.
 * - `websocket-or-polling`: WebSocket first, HTTP long-polling where WebSockets are blocked (some
 *   corporate proxies). Long-polling is a series of requests that must all reach the same
 *   gateway: the load balancer's sticky cookie keeps them there, and a page on another origin
 *   than the gateway's only sends that cookie with `withCredentials`, which this mode sets. The
 *   gateway answers it for the page's origin when the tenant lists it in its allowed origins
 *   (the SDK names the token's tenant in the query for that), or the deployment in
 *   `GATEWAY_CORS_ORIGINS`.
 */
export type SignalingTransport = 'websocket' | 'websocket-or-polling';

export interface SocketFactoryOptions {
  /** Give up the connection attempt after this long (ms). */
  timeoutMs: number;
  /** Socket.IO path on the server. */
  path?: string;
  /** Default `websocket`. */
  transport?: SignalingTransport;
}

/** Opens one connection attempt to `url` with `auth` as the handshake; it connects by itself. */
export type SocketFactory = (
  url: string,
  auth: SignalingHandshake,
  options: SocketFactoryOptions,
) => SignalingSocket;

/**
 * The Socket.IO client options of one connection attempt. Socket.IO's own reconnection is off:
 * the SDK reconnects itself, to the next gateway, with a fresh handshake (resume token,
 * refreshed join token).
 */
export function socketIoOptions(
  auth: SignalingHandshake,
  { timeoutMs, path, transport = 'websocket' }: SocketFactoryOptions,
): Partial<ManagerOptions & SocketOptions> {
  return {
    auth,
    forceNew: true,
    reconnection: false,
    timeout: timeoutMs,
    ...(transport === 'websocket'
      ? { transports: ['websocket'] }
      : {
          transports: ['websocket', 'polling'],
          tryAllTransports: true,
          withCredentials: true,
          ...tenantQuery(auth),
        }),
    ...(path === undefined ? {} : { path }),
  };
}

/**
 * `?tenant=<id>` from the handshake's token (read, not verified: the gateway verifies it, and
 * refuses a connection whose token is of another tenant), so that the gateway can answer CORS
 * for the tenant's allowed origins. Nothing when there is no readable token.
 */
function tenantQuery(auth: SignalingHandshake): { query?: { tenant: string } } {
  const token = auth.token ?? auth.accessToken;
  const payload = token?.split('.')[1];
  if (payload === undefined) return {};
  try {
    const base64 = payload.replace(/-/g, '+').replace(/_/g, '/');
    const claims = JSON.parse(atob(base64.padEnd(Math.ceil(base64.length / 4) * 4, '='))) as {
      tenant?: unknown;
    };
    return typeof claims.tenant === 'string' ? { query: { tenant: claims.tenant } } : {};
  } catch {
    return {};
  }
}

/** The real thing: a Socket.IO client with {@link socketIoOptions}. */
export const socketIoFactory: SocketFactory = (url, auth, options) =>
  io(url, socketIoOptions(auth, options)) as unknown as SignalingSocket;
