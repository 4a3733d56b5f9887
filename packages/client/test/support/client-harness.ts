import { CascadeClient, type CascadeClientSeams } from '../../src/cascade-client';
import type {
  CascadeClientEventName,
  CascadeClientEvents,
  CascadeClientOptions,
} from '../../src/types';
import { FakeGateway, fakeDevice } from './fake-gateway';

export type Recorded = { event: CascadeClientEventName; payload: unknown };

export const tick = (ms = 0) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * Clients on a {@link FakeGateway} with mediasoup-client's fake Device, each recording its
 * events; every client a test made leaves after it. Call once per test file, at the top:
 *
 * ```ts
 * const setup = useFakeClients();
 * it('...', async () => {
 *   const { gateway, client, named } = setup();
 *   await client.join();
 *   expect(named('trackAdded')).toHaveLength(1);
 * });
 * ```
 */
export function useFakeClients() {
  const clients: CascadeClient[] = [];
  afterEach(async () => {
    await Promise.all(clients.splice(0).map((client) => client.leave()));
  });
  return function setup(
    options: Partial<CascadeClientOptions> = {},
    seams: Partial<CascadeClientSeams> = {},
  ) {
    const gateway = new FakeGateway();
    const client = new CascadeClient(
      {
        url: ['ws://gw-a', 'ws://gw-b'],
        token: 'join-token',
        displayName: 'Me',
        reconnect: { initialDelayMs: 1, maxDelayMs: 2, jitter: 0, maxAttempts: 5 },
        requestTimeoutMs: 500,
        ...options,
      },
      { socketFactory: gateway.factory, deviceFactory: fakeDevice, sleep: tick, ...seams },
    );
    const events: Recorded[] = [];
    client.onAny((event, payload) => events.push({ event, payload }));
    const named = <K extends CascadeClientEventName>(name: K) =>
      events.filter((e) => e.event === name).map((e) => e.payload as CascadeClientEvents[K]);
    clients.push(client);
    return { gateway, client, events, named };
  };
}
