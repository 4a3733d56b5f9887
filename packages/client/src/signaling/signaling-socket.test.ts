import { PROTOCOL_VERSION, type SignalingHandshake } from '@cascade/contracts';
import type { Socket } from 'socket.io-client';

import { socketIoFactory, socketIoOptions } from './signaling-socket';

const auth: SignalingHandshake = { protocolVersion: PROTOCOL_VERSION, token: 'join-token' };

/** The options the Socket.IO manager of a real client socket was made with. */
function managerOptions(transport?: 'websocket' | 'websocket-or-polling') {
  // Nothing listens on port 9 (discard): the attempt fails in the background, unobserved.
  const socket = socketIoFactory('http://127.0.0.1:9', auth, {
    timeoutMs: 1_000,
    ...(transport === undefined ? {} : { transport }),
  }) as unknown as Socket;
  socket.disconnect();
  return socket.io.opts;
}

describe('the Socket.IO options of a connection to a gateway', () => {
  it('use WebSocket only by default, with no credentials (no sticky cookie needed)', () => {
    const opts = managerOptions();
    expect(opts.transports).toEqual(['websocket']);
    expect(opts.withCredentials).not.toBe(true);
    expect(socketIoOptions(auth, { timeoutMs: 1_000 })).toMatchObject({
      transports: ['websocket'],
      reconnection: false,
      forceNew: true,
      auth,
    });
  });

  it('fall back to long-polling only when asked, sending credentials for the sticky cookie', () => {
    const opts = managerOptions('websocket-or-polling');
    expect(opts.transports).toEqual(['websocket', 'polling']);
    expect(opts.withCredentials).toBe(true);
    expect(opts.tryAllTransports).toBe(true);
  });

  it('keep a custom Socket.IO path', () => {
    expect(socketIoOptions(auth, { timeoutMs: 1_000, path: '/gw/socket.io' }).path).toBe(
      '/gw/socket.io',
    );
  });

  it('name the token’s tenant in the query when polling may be used (for its CORS origins)', () => {
    const jwt = (claims: object) =>
      `h.${Buffer.from(JSON.stringify(claims)).toString('base64url')}.s`;
    const polling = { timeoutMs: 1_000, transport: 'websocket-or-polling' as const };
    expect(
      socketIoOptions({ ...auth, token: jwt({ tenant: 'acme', sub: 'u-ü' }) }, polling).query,
    ).toEqual({ tenant: 'acme' });
    expect(
      socketIoOptions(
        { protocolVersion: PROTOCOL_VERSION, accessToken: jwt({ tenant: 'beta' }) },
        polling,
      ).query,
    ).toEqual({ tenant: 'beta' });
    // Not a JWT, no tenant claim, WebSocket only: no query.
    expect(socketIoOptions(auth, polling).query).toBeUndefined();
    expect(socketIoOptions({ ...auth, token: jwt({ sub: 'x' }) }, polling).query).toBeUndefined();
    expect(
      socketIoOptions({ ...auth, token: jwt({ tenant: 'acme' }) }, { timeoutMs: 1_000 }).query,
    ).toBeUndefined();
  });
});
