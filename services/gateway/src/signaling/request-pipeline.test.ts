import {
  CascadeError,
  ERROR_CODES,
  type Reply,
  type RoomGrants,
  SIGNALING_METHODS,
  type SignalingMethod,
} from '@cascade/contracts';

import {
  type PipelineObserver,
  type RequestContext,
  RequestPipeline,
  type SignalingHandlers,
} from './request-pipeline';
import { TokenBucket } from './token-bucket';

const TRANSPORT = '6f1c2d3e-4b5a-4c7d-8e9f-0a1b2c3d4e5f';
const allGrants: RoomGrants = {
  room: 'r1',
  join: true,
  publish: true,
  subscribe: true,
  admin: true,
};

type Socket = { id: string };
type Call = { method: SignalingMethod; request: unknown };

function setup(
  options: { behaviour?: (method: SignalingMethod) => unknown; maxBytes?: number } = {},
) {
  const calls: Call[] = [];
  const answered: Array<{ method: string; outcome: string }> = [];
  const failed: unknown[] = [];
  const handlers = Object.fromEntries(
    SIGNALING_METHODS.map((method) => [
      method,
      async (request: unknown) => {
        calls.push({ method, request });
        const behaviour = options.behaviour?.(method);
        if (behaviour instanceof Error) throw behaviour;
        return behaviour ?? { handled: method };
      },
    ]),
  ) as unknown as SignalingHandlers<Socket>;
  const observer: PipelineObserver<Socket> = {
    answered: (r, outcome) => answered.push({ method: r.method, outcome }),
    failed: (_r, error) => failed.push(error),
  };
  const pipeline = new RequestPipeline(handlers, observer, options.maxBytes);
  const context = (over: Partial<RequestContext<Socket>> = {}): RequestContext<Socket> => ({
    socket: { id: 's1' },
    access: { kind: 'room', grants: allGrants, joined: true },
    bucket: new TokenBucket(10, 100, () => 0),
    ...over,
  });
  /** Sends `event` with `payload` and an ack; resolves with what the ack received. */
  const send = async (event: unknown, payload: unknown, ctx = context()) => {
    const acks: Array<Reply<unknown>> = [];
    await pipeline.handle(ctx, event, [payload, (r: Reply<unknown>) => acks.push(r)]);
    expect(acks).toHaveLength(1);
    return acks[0]!;
  };
  const code = (reply: Reply<unknown>) => (reply.ok ? 'ok' : reply.error.code);
  return {
    pipeline,
    calls,
    answered,
    failed,
    context,
    send,
    code,
  };
}

describe('request pipeline', () => {
  it('hands a valid request of a joined socket to its handler and acknowledges the result', async () => {
    const { send, calls } = setup();
    const reply = await send('transport.create', { direction: 'send' });
    expect(reply).toEqual({ ok: true, data: { handled: 'transport.create' } });
    expect(calls).toEqual([{ method: 'transport.create', request: { direction: 'send' } }]);
  });

  it('drops a request that has no acknowledgement: nobody would hear the answer', async () => {
    const { pipeline, context, calls, answered } = setup();
    expect(await pipeline.handle(context(), 'room.join', [{}])).toBeUndefined();
    expect(await pipeline.handle(context(), 'no.such', [])).toBeUndefined();
    expect(calls).toEqual([]);
    expect(answered).toEqual([]);
  });

  it('refuses unknown methods, whatever their name is made of', async () => {
    const { send, code, answered } = setup();
    for (const event of ['no.such', '__proto__', 'constructor', 'toString', '', 'x'.repeat(10_000)])
      expect(code(await send(event, {}))).toBe('INVALID_ARGUMENT');
    expect(answered.every((a) => a.method === 'unknown')).toBe(true);
  });

  it('takes an acknowledgement alone as an empty payload, and refuses extra arguments', async () => {
    const { pipeline, context, calls } = setup();
    const acks: Array<Reply<unknown>> = [];
    await pipeline.handle(context(), 'room.leave', [(r: Reply<unknown>) => acks.push(r)]);
    await pipeline.handle(context(), 'room.leave', [{}, {}, (r: Reply<unknown>) => acks.push(r)]);
    expect(acks.map((a) => a.ok)).toEqual([true, false]);
    expect(calls).toHaveLength(1);
  });

  it('refuses a payload over the size limit before anything else looks at it', async () => {
    const { send, code, calls } = setup({ maxBytes: 1_000 });
    const reply = await send('chat.send', { text: 'x'.repeat(2_000) });
    expect(code(reply)).toBe('LIMIT_EXCEEDED');
    expect(calls).toEqual([]);
  });

  it('refuses a payload nested too deep to measure', async () => {
    const { send, code } = setup();
    let deep: unknown = [];
    for (let i = 0; i < 200_000; i++) deep = [deep];
    expect(code(await send('room.join', deep))).toMatch(/LIMIT_EXCEEDED|INVALID_ARGUMENT/);
  });

  it('rate-limits each socket with its bucket, and says when to retry', async () => {
    const { send, code, context } = setup();
    const ctx = context({ bucket: new TokenBucket(2, 3, () => 0) });
    const outcomes = [];
    for (let i = 0; i < 5; i++) outcomes.push(code(await send('participant.list', {}, ctx)));
    expect(outcomes).toEqual(['ok', 'ok', 'ok', 'RATE_LIMITED', 'RATE_LIMITED']);
    const limited = await send('participant.list', {}, ctx);
    expect(limited).toMatchObject({ ok: false, error: { details: { retryAfterMs: 500 } } });
  });

  it.each([
    ['producer.create', 'publish'],
    ['producer.pause', 'publish'],
    ['consumer.create', 'subscribe'],
    ['consumer.setPreferredLayers', 'subscribe'],
  ] as const)(
    'refuses %s without the %s grant, before looking at the payload',
    async (method, grant) => {
      const { send, calls, context } = setup();
      const reply = await send(
        method,
        { garbage: true },
        context({
          access: { kind: 'room', grants: { ...allGrants, [grant]: false }, joined: true },
        }),
      );
      expect(reply).toMatchObject({ ok: false, error: { code: 'FORBIDDEN', details: { grant } } });
      expect(calls).toEqual([]);
    },
  );

  it('refuses invalid payloads with the failing fields', async () => {
    const { send } = setup();
    const reply = await send('transport.connect', { transportId: 'nope', dtlsParameters: {} });
    expect(reply).toMatchObject({
      ok: false,
      error: {
        code: 'INVALID_ARGUMENT',
        details: {
          issues: expect.arrayContaining([expect.objectContaining({ path: 'transportId' })]),
        },
      },
    });
  });

  it('refuses unknown fields and prototype keys without polluting anything', async () => {
    const { send, code } = setup();
    const polluted = JSON.parse(
      '{"__proto__": {"polluted": true}, "direction": "send"}',
    ) as unknown;
    expect(code(await send('transport.create', polluted))).toBe('INVALID_ARGUMENT');
    expect(code(await send('transport.create', { direction: 'send', extra: 1 }))).toBe(
      'INVALID_ARGUMENT',
    );
    expect(code(await send('transport.create', { constructor: { prototype: { x: 1 } } }))).toBe(
      'INVALID_ARGUMENT',
    );
    expect(({} as Record<string, unknown>)['polluted']).toBeUndefined();
  });

  it('keeps the error small whatever the payload was', async () => {
    const { send } = setup();
    const payload = Object.fromEntries(
      Array.from({ length: 500 }, (_, i) => [`${'k'.repeat(100)}${i}`, i]),
    );
    const reply = await send('room.join', payload);
    expect(reply.ok).toBe(false);
    if (reply.ok) return;
    expect(reply.error.message.length).toBeLessThanOrEqual(1_001);
    expect((reply.error.details?.['issues'] as unknown[]).length).toBeLessThanOrEqual(20);
  });

  it('lets only room.join and session.resume through before the socket is in a room', async () => {
    const { send, code, context } = setup();
    const outside = context({ access: { kind: 'room', grants: allGrants, joined: false } });
    expect(code(await send('room.join', {}, outside))).toBe('ok');
    expect(code(await send('session.resume', {}, outside))).toBe('ok');
    expect(code(await send('participant.list', {}, outside))).toBe('CONFLICT');
    expect(code(await send('transport.create', { direction: 'recv' }, outside))).toBe('CONFLICT');
  });

  it('answers user.ping on any socket, in a room or not, whatever its grants', async () => {
    const { send, code, context, calls } = setup();
    const noGrants = { room: 'r1', join: false, publish: false, subscribe: false, admin: false };
    expect(code(await send('user.ping', {}))).toBe('ok');
    expect(
      code(
        await send(
          'user.ping',
          {},
          context({ access: { kind: 'room', grants: noGrants, joined: false } }),
        ),
      ),
    ).toBe('ok');
    expect(code(await send('user.ping', {}, context({ access: { kind: 'user' } })))).toBe('ok');
    expect(calls.map((c) => c.method)).toEqual(['user.ping', 'user.ping', 'user.ping']);
  });

  it('refuses every room method on a user connection, before looking at the payload', async () => {
    const { send, calls, context } = setup();
    const user = context({ access: { kind: 'user' } });
    for (const method of SIGNALING_METHODS.filter((m) => m !== 'user.ping')) {
      const reply = await send(method, { garbage: true }, user);
      expect(reply).toMatchObject({
        ok: false,
        error: { code: 'FORBIDDEN', details: { allowed: ['user.ping'] } },
      });
    }
    expect(calls).toEqual([]);
  });

  it('validates user.ping like any request', async () => {
    const { send, code, context } = setup();
    const reply = await send('user.ping', { at: 1 }, context({ access: { kind: 'user' } }));
    expect(code(reply)).toBe('INVALID_ARGUMENT');
  });

  it('rate-limits a user connection with its bucket too', async () => {
    const { send, code, context } = setup();
    const ctx = context({ access: { kind: 'user' }, bucket: new TokenBucket(1, 2, () => 0) });
    const outcomes = [];
    for (let i = 0; i < 4; i++) outcomes.push(code(await send('user.ping', {}, ctx)));
    expect(outcomes).toEqual(['ok', 'ok', 'RATE_LIMITED', 'RATE_LIMITED']);
  });

  it('answers a CascadeError with its envelope, anything else as INTERNAL without details', async () => {
    const { send, failed } = setup({
      behaviour: (m) =>
        m === 'room.join'
          ? new CascadeError('ROOM_FULL', 'room is full')
          : new Error('secret internals at /srv/x'),
    });
    expect(await send('room.join', {})).toEqual({
      ok: false,
      error: { code: 'ROOM_FULL', message: 'room is full' },
    });
    expect(await send('participant.list', {})).toEqual({
      ok: false,
      error: { code: 'INTERNAL', message: 'internal error' },
    });
    expect(failed).toHaveLength(1);
  });

  it('answers thousands of random payloads on every method with typed replies', async () => {
    const { pipeline, context } = setup();
    const ctx = context({ bucket: new TokenBucket(1e9, 1e9) });
    const values = [
      null,
      undefined,
      0,
      -1,
      1e308,
      NaN,
      '',
      'x'.repeat(70_000),
      [],
      [1, 2, 3],
      {},
      { a: { b: { c: {} } } },
      { transportId: TRANSPORT },
      { direction: 'send', sctpCapabilities: { numStreams: { OS: 'x' } } },
      { text: null },
      { participantId: '../../etc' },
      true,
    ];
    let rng = 42;
    const random = () => (rng = (rng * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
    const pick = <T>(list: readonly T[]) => list[Math.floor(random() * list.length)]!;
    const events = [...SIGNALING_METHODS, 'unknown', 42, null, {}];
    for (let i = 0; i < 3_000; i++) {
      const acks: Array<Reply<unknown>> = [];
      const payload =
        random() < 0.5 ? pick(values) : { [pick(['a', '__proto__', 'text'])]: pick(values) };
      await pipeline.handle(ctx, pick(events), [payload, (r: Reply<unknown>) => acks.push(r)]);
      expect(acks).toHaveLength(1);
      const reply = acks[0]!;
      if (!reply.ok) expect(ERROR_CODES).toContain(reply.error.code);
    }
  });
});
