import { type ErrorEnvelope, PROTOCOL_VERSION } from '@cascade/contracts';
import { io } from 'socket.io-client';

import { useCascadeStack } from './support/stack';

/**
 * Handshakes per client address, behind one trusted proxy hop (Traefik), across two gateway
 * instances sharing Redis: the count is one for both, and another address has its own.
 */
const LIMIT = 3;
const stack = useCascadeStack({
  gateways: 2,
  sfuNodes: 0,
  rooms: false,
  gatewayEnv: {
    GATEWAY_TRUST_PROXY: '1',
    GATEWAY_HANDSHAKE_RATE_LIMIT_PER_MINUTE: String(LIMIT),
  },
});
let users = 0;

/**
 * A user connection to gateway `index` from `address` (as Traefik would forward it): resolves
 * with `connected`, or with the envelope of the refusal.
 */
function handshake(index: number, address: string): Promise<'connected' | ErrorEnvelope> {
  const socket = io(stack.gatewayUrls[index]!, {
    path: '/socket.io',
    transports: ['websocket'],
    extraHeaders: { 'x-forwarded-for': address },
    auth: {
      protocolVersion: PROTOCOL_VERSION,
      accessToken: stack.tokens.mintAccessToken('acme', `u_${++users}`),
    },
    reconnection: false,
    forceNew: true,
    timeout: 10_000,
  });
  return new Promise((resolve, reject) => {
    socket.once('connect', () => {
      socket.close();
      resolve('connected');
    });
    socket.once('connect_error', (error: Error & { data?: ErrorEnvelope }) => {
      socket.close();
      if (error.data) resolve(error.data);
      else reject(error);
    });
  });
}

it('counts one address’s handshakes once across both instances, then refuses with Retry-After', async () => {
  const outcomes = [];
  for (const gateway of [0, 1, 0]) outcomes.push(await handshake(gateway, '198.51.100.1'));
  expect(outcomes).toEqual(['connected', 'connected', 'connected']);
  const refused = await handshake(1, '198.51.100.1');
  expect(refused).toMatchObject({ code: 'RATE_LIMITED' });
  const seconds = (refused as ErrorEnvelope).details?.['retryAfterSeconds'];
  expect(Number.isInteger(seconds)).toBe(true);
  expect(seconds).toBeGreaterThanOrEqual(1);
  expect(seconds).toBeLessThanOrEqual(60);
});

it('counts another client address apart, and does not believe what a client writes before the hop', async () => {
  expect(await handshake(1, '198.51.100.2')).toBe('connected');
  // The proxy appends the address it saw: the client's own entry before it is not believed.
  expect(await handshake(0, '198.51.100.2, 198.51.100.1')).toMatchObject({ code: 'RATE_LIMITED' });
});
