import { randomBytes } from 'node:crypto';

import { type Reply, wireJson } from '@cascade/contracts';
import { ClientNats } from '@nestjs/microservices';
import { type NatsConnection, connect } from '@nats-io/transport-node';

import { NatsBus } from '../src/infra/nats-bus';

const NATS_URL = process.env['NATS_URL'] ?? 'nats://127.0.0.1:4222';
const json = wireJson;

/** A handler that holds every request until `release()`, and says when each one started. */
function heldHandler() {
  const started: number[] = [];
  let release!: () => void;
  const released = new Promise<void>((resolve) => (release = resolve));
  let onStart: (() => void) | undefined;
  return {
    started,
    release,
    handler: async (body: unknown) => {
      started.push((body as { n: number }).n);
      onStart?.();
      await released;
      return { n: (body as { n: number }).n };
    },
    /** Resolves once `count` requests have started. */
    startedCount: (count: number) =>
      new Promise<void>((resolve) => {
        const check = () => {
          if (started.length >= count) resolve();
        };
        onStart = check;
        check();
      }),
  };
}

describe('NatsBus bounds each subscription’s handlers', () => {
  const subject = `cascade-test-limits-${randomBytes(4).toString('hex')}.work`;
  let client: ClientNats;
  let bus: NatsBus;
  let caller: NatsConnection;

  beforeAll(async () => {
    client = new ClientNats({ servers: NATS_URL });
    bus = new NatsBus(client, { concurrency: 1, queue: 1 });
    caller = await connect({ servers: NATS_URL });
  });

  afterAll(async () => {
    await bus.drain();
    await client.close();
    await caller.close();
  });

  it('answers requests beyond the running and waiting bounds RATE_LIMITED at once, and serves the rest', async () => {
    const held = heldHandler();
    bus.serve(subject, held.handler);
    // The subscription is live once the server has seen it: a round trip on the bus's own
    // connection (another connection's request could otherwise arrive first: no responders).
    await (await bus.connected()).flush();
    const ask = (n: number) =>
      caller
        .request(subject, json.encode({ n }), { timeout: 5_000, noMux: true })
        .then((msg) => json.decode(msg.data) as Reply<{ n: number }>);
    const first = ask(1);
    await held.startedCount(1);

    const queued = ask(2);
    const refused = await Promise.all([ask(3), ask(4)]);
    for (const reply of refused) {
      expect(reply).toEqual({
        ok: false,
        error: {
          code: 'RATE_LIMITED',
          message: expect.stringContaining('overloaded'),
          details: { reason: 'overloaded' },
        },
      });
    }
    expect(held.started).toEqual([1]);
    expect(bus.refusedMessages).toBe(2);

    held.release();
    expect(await first).toEqual({ ok: true, data: { n: 1 } });
    expect(await queued).toEqual({ ok: true, data: { n: 2 } });
    // The backlog is gone: new work is taken again.
    expect(await ask(5)).toEqual({ ok: true, data: { n: 5 } });
    expect(held.started).toEqual([1, 2, 5]);
  });
});
