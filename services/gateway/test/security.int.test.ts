import { ERROR_CODES, type ErrorEnvelope, SIGNALING_METHODS } from '@cascade/contracts';

import {
  HandshakeRefused,
  type JoinTokenOptions,
  SignalingClient,
  opusRtpParameters,
  useCascadeStack,
} from './support/stack';

/**
 * What a hostile or broken client can do, against two gateway instances with the rooms service,
 * the orchestrator and an SFU node behind them: forged tokens, another tenant's rooms, missing
 * grants, floods, and thousands of malformed payloads. Instance 0 has the default rate limit
 * (20/s, burst 40); instance 1 a limit too high to matter, so that the fuzzing reaches validation.
 */
const stack = useCascadeStack({
  gateways: 2,
  sfuNodes: 1,
  gatewayEnv: (i): Record<string, string> =>
    i === 1 ? { GATEWAY_RATE_LIMIT_PER_SECOND: '100000', GATEWAY_RATE_LIMIT_BURST: '100000' } : {},
});
const clients: SignalingClient[] = [];

afterEach(() => {
  for (const c of clients.splice(0)) c.close();
});

async function connect(gateway: number, token: JoinTokenOptions) {
  const client = await stack.connect(gateway, token);
  clients.push(client);
  return client;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('handshake', () => {
  const who = { tenant: 'acme', user: 'u_mallory', room: 'any-room' };

  // Each forgery is refused for its own reason: a refusal for another one (a signature that does
  // not match, say) would not show that the check named here works.
  it.each([
    ['an expired token', () => stack.tokens.forge.expired(who), /^token expired$/],
    [
      'a token whose claims were changed after signing',
      () => stack.tokens.forge.tampered(who),
      /^invalid token signature$/,
    ],
    [
      'a token for another audience',
      () => stack.tokens.forge.wrongAudience(who),
      /^token audience is not accepted$/,
    ],
    [
      'a token from another issuer',
      () => stack.tokens.forge.wrongIssuer(who),
      /^token issuer is not accepted$/,
    ],
    [
      'an unsigned token (alg: none)',
      () => stack.tokens.forge.algNone(who),
      /^token algorithm "none" is not accepted/,
    ],
    [
      'an HS256 token keyed with the public key',
      () => stack.tokens.forge.hs256WithPublicKey(who),
      /^token algorithm "HS256" is not accepted/,
    ],
    [
      'a token signed with an unknown key',
      () => stack.tokens.forge.unknownKid(who),
      /^unknown signing key not-a-published-key$/,
    ],
    ['a token that is not a JWT', () => 'not.a.jwt', /^malformed token/],
  ])('refuses %s: UNAUTHENTICATED, saying why', async (_name, forge, why) => {
    for (const url of stack.gatewayUrls) {
      const refusal = await SignalingClient.refusal(url, { token: forge() });
      expect(refusal).toMatchObject({
        code: 'UNAUTHENTICATED',
        message: expect.stringMatching(why),
      });
    }
  });

  it('accepts the same claims properly signed, with RS256 or ES256', async () => {
    await connect(0, who);
    await connect(1, { ...who, alg: 'ES256' });
  });

  it('refuses a protocol version it does not serve: UNSUPPORTED_PROTOCOL', async () => {
    const refusal = await SignalingClient.refusal(stack.gatewayUrls[0]!, {
      protocolVersion: 2,
      token: stack.mintJoinToken(who),
    });
    expect(refusal.code).toBe('UNSUPPORTED_PROTOCOL');
  });

  it('refuses a malformed handshake: INVALID_ARGUMENT', async () => {
    const url = stack.gatewayUrls[1]!;
    expect((await SignalingClient.refusal(url, {})).code).toBe('INVALID_ARGUMENT');
    expect(
      (await SignalingClient.refusal(url, { token: stack.mintJoinToken(who), tenant: 'globex' }))
        .code,
    ).toBe('INVALID_ARGUMENT');
  });

  it('refuses a token without the join grant: FORBIDDEN', async () => {
    const refusal = await SignalingClient.refusal(stack.gatewayUrls[0]!, {
      token: stack.mintJoinToken({ ...who, grants: { join: false } }),
    });
    expect(refusal.code).toBe('FORBIDDEN');
  });
});

describe('tenants', () => {
  it('refuses a connection that names another tenant than its token’s (for CORS)', async () => {
    const room = await stack.createRoom('acme', 'u_owner');
    const token = { tenant: 'acme', user: 'u_cors', room: room.id };
    for (const transports of [['websocket'], ['polling']] as const) {
      const refused = await stack
        .connect(0, token, { transports: [...transports], query: { tenant: 'globex' } })
        .then(
          (c) => (clients.push(c), undefined),
          (error: unknown) => error,
        );
      expect(refused).toBeInstanceOf(HandshakeRefused);
      expect((refused as HandshakeRefused).envelope).toMatchObject({ code: 'FORBIDDEN' });
    }
    const named = await stack.connect(0, token, {
      transports: ['polling'],
      query: { tenant: 'acme' },
    });
    clients.push(named);
    expect((await named.call('room.join', {})).roomId).toBe(room.id);
  });

  it('a token of one tenant cannot join another tenant’s room', async () => {
    const room = await stack.createRoom('globex', 'u_owner');
    const intruder = await connect(0, { tenant: 'acme', user: 'u_mallory', room: room.id });
    expect(await intruder.request('room.join', {})).toMatchObject({
      ok: false,
      error: { code: 'NOT_FOUND' },
    });
  });

  it('two tenants with the same room id never see each other’s participants or events', async () => {
    const roomId = `shared-${Date.now()}`;
    await stack.createRoom('acme', 'u_a_owner', { id: roomId });
    await stack.createRoom('globex', 'u_b_owner', { id: roomId });
    const a = await connect(0, { tenant: 'acme', user: 'u_alice', room: roomId });
    const aJoin = await a.call('room.join', {});

    // Tenant B's participants, on both instances, do everything that makes events.
    const b1 = await connect(0, { tenant: 'globex', user: 'u_bob', room: roomId });
    const b2 = await connect(1, {
      tenant: 'globex',
      user: 'u_beth',
      room: roomId,
      grants: { admin: true },
    });
    const b1Join = await b1.call('room.join', {});
    const b2Join = await b2.call('room.join', {});
    expect(b1Join.participants).toEqual([]);
    expect(b2Join.participants.map((p) => p.userId)).toEqual(['u_bob']);
    const send = await b1.call('transport.create', { direction: 'send' });
    const { producerId } = await b1.call('producer.create', {
      transportId: send.transportId,
      kind: 'audio',
      source: 'microphone',
      rtpParameters: opusRtpParameters(),
    });
    await b2.call('chat.send', { text: 'tenant B only' });
    await b1.call('producer.pause', { producerId });
    await b1.call('producer.close', { producerId });
    await b2.waitFor('producer.closed');

    // Tenant A cannot reach B's participant, even knowing its id.
    const kick = await a.request('participant.remove', { participantId: b1Join.participantId });
    expect(kick).toMatchObject({ ok: false, error: { code: 'FORBIDDEN' } });
    const aList = await a.call('participant.list', {});
    expect(aList.participants.map((p) => p.participantId)).toEqual([aJoin.participantId]);
    const consume = await a.request('consumer.create', {
      transportId: send.transportId,
      producerId,
      rtpCapabilities: aJoin.rtpCapabilities,
    });
    expect(consume).toMatchObject({ ok: false, error: { code: 'NOT_FOUND' } });

    await b1.call('room.leave', {});
    await b2.waitFor('participant.left');
    await sleep(500);
    expect(a.events).toEqual([]);
  });
});

describe('grants', () => {
  it('refuses publishing without the publish grant and removing without admin: FORBIDDEN', async () => {
    const room = await stack.createRoom('acme', 'u_owner');
    const viewer = await connect(1, {
      tenant: 'acme',
      user: 'u_viewer',
      room: room.id,
      grants: { publish: false, subscribe: true, admin: false },
    });
    const join = await viewer.call('room.join', {});
    const recv = await viewer.call('transport.create', { direction: 'recv' });
    const publish = await viewer.request('producer.create', {
      transportId: recv.transportId,
      kind: 'audio',
      source: 'microphone',
      rtpParameters: opusRtpParameters(),
    });
    expect(publish).toMatchObject({
      ok: false,
      error: { code: 'FORBIDDEN', details: { grant: 'publish' } },
    });
    const remove = await viewer.request('participant.remove', {
      participantId: join.participantId,
    });
    expect(remove).toMatchObject({
      ok: false,
      error: { code: 'FORBIDDEN', details: { grant: 'admin' } },
    });
  });

  it('a token only reaches the room it grants', async () => {
    const granted = await stack.createRoom('acme', 'u_owner');
    const client = await connect(0, { tenant: 'acme', user: 'u_eve', room: granted.id });
    // No field of any request names a room or tenant: unknown fields are refused.
    const reply = await client.request('room.join', { roomId: 'other-room' } as never);
    expect(reply).toMatchObject({ ok: false, error: { code: 'INVALID_ARGUMENT' } });
    expect((await client.call('room.join', {})).roomId).toBe(granted.id);
  });
});

describe('protection', () => {
  it('rate-limits a flood on one socket: RATE_LIMITED past the burst', async () => {
    const room = await stack.createRoom('acme', 'u_owner');
    const client = await connect(0, { tenant: 'acme', user: 'u_flood', room: room.id });
    await client.call('room.join', {});
    const replies = await Promise.all(
      Array.from({ length: 200 }, () => client.request('participant.list', {})),
    );
    const codes = replies.map((r) => (r.ok ? 'ok' : r.error.code));
    const limited = codes.filter((c) => c === 'RATE_LIMITED').length;
    expect(limited).toBeGreaterThanOrEqual(150);
    expect(codes.filter((c) => c === 'ok').length).toBeLessThanOrEqual(50);
    // Another socket is not affected.
    const other = await connect(0, { tenant: 'acme', user: 'u_calm', room: room.id });
    expect((await other.request('room.join', {})).ok).toBe(true);
  });

  it('closes a connection whose message exceeds the transport limit, and only that one', async () => {
    const room = await stack.createRoom('acme', 'u_owner');
    const big = await connect(1, { tenant: 'acme', user: 'u_big', room: room.id });
    const bystander = await connect(1, { tenant: 'acme', user: 'u_by', room: room.id });
    const gone = big.disconnected();
    big.fire('chat.send', { text: 'x'.repeat(200_000) });
    await gone;
    expect((await bystander.request('room.join', {})).ok).toBe(true);
  });

  it('answers thousands of random and malformed payloads with typed errors; both instances survive', async () => {
    const room = await stack.createRoom('acme', 'u_owner', { capacity: 500 });
    const token = (user: string) => ({
      tenant: 'acme',
      user,
      room: room.id,
      grants: { admin: true },
    });
    const fuzzers = [
      await connect(1, token('u_fuzz_joined')),
      await connect(1, token('u_fuzz_outside')),
      await connect(0, token('u_fuzz_limited')),
    ];
    await fuzzers[0]!.call('room.join', {});

    let seed = 7;
    const random = () => (seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31) / 2 ** 31;
    const pick = <T>(list: readonly T[]): T => list[Math.floor(random() * list.length)]!;
    const nested = (depth: number): unknown =>
      depth === 0 ? {} : { a: nested(depth - 1), b: [depth] };
    const uuid = '0b3c1f2e-4d5a-4b6c-8d7e-9f0a1b2c3d4e';
    const values: unknown[] = [
      null,
      0,
      -1,
      3.14,
      1e308,
      true,
      '',
      'x',
      'y'.repeat(66_000),
      'z'.repeat(10_000),
      [],
      [null],
      [1, 'a', {}],
      {},
      nested(2_000),
      JSON.parse('{"__proto__": {"admin": true}}'),
      { constructor: { prototype: { polluted: true } } },
      { direction: 'send' },
      { direction: 'sideways' },
      { transportId: uuid },
      { transportId: uuid, dtlsParameters: { role: 'client', fingerprints: [] } },
      { producerId: uuid },
      { consumerId: uuid, spatialLayer: 99 },
      { participantId: '../../etc/passwd' },
      { participantId: 'p_0000000000000000' },
      { text: '   ' },
      { text: 'hello' },
      { displayName: 'x'.repeat(500) },
      { region: 'EU WEST' },
      { kind: 'video', rtpParameters: { codecs: 'all' } },
      { tenantId: 'globex', roomId: 'elsewhere' },
    ];
    const mutate = (v: unknown): unknown => {
      switch (Math.floor(random() * 4)) {
        case 0:
          return v;
        case 1:
          return {
            [pick(['tenantId', '__proto__', 'extra', 'transportId', 'text'])]: pick(values),
          };
        case 2:
          return typeof v === 'object' && v !== null && !Array.isArray(v)
            ? { ...v, [pick(['grants', 'x', 'participantId'])]: pick(values) }
            : [v, v];
        default:
          return pick(values);
      }
    };
    const events = [
      ...SIGNALING_METHODS,
      'room.destroy',
      'admin',
      '__proto__',
      'constructor',
      'x'.repeat(300),
    ];

    const outcomes = new Map<string, number>();
    const record = (code: string) => outcomes.set(code, (outcomes.get(code) ?? 0) + 1);
    const TOTAL = 3_000;
    for (let sent = 0; sent < TOTAL; sent += 100) {
      await Promise.all(
        Array.from({ length: 100 }, async (_, i) => {
          // Mostly to the instance whose limit lets payloads reach validation; some to the other,
          // and every tenth batch all at once to the limited socket, a burst past its bucket
          // however fast this machine answers.
          const limited = sent % 1_000 === 0 || (sent + i) % 10 === 0;
          const client = limited ? fuzzers[2]! : pick(fuzzers.slice(0, 2));
          const event = pick(events);
          const payload = mutate(pick(values));
          if (random() < 0.05) {
            if (JSON.stringify(payload).length < 70_000) client.fire(event, payload); // no ack
            return;
          }
          let args = random() < 0.05 ? [payload, pick(values)] : [payload];
          // Past the transport's limit the connection is closed (tested above): stay under it.
          if (JSON.stringify(args).length > 70_000) args = [{ oversized: true }];
          const reply = (await client.raw(event, args, 15_000)) as
            { ok: true } | { ok: false; error: ErrorEnvelope };
          expect(typeof reply).toBe('object');
          if (reply.ok) record('ok');
          else {
            expect(ERROR_CODES).toContain(reply.error.code);
            expect(typeof reply.error.message).toBe('string');
            record(reply.error.code);
          }
        }),
      );
      // The fuzzers must still be connected: nothing in a payload closes a socket.
      for (const f of fuzzers) expect(f.connected).toBe(true);
    }
    expect(outcomes.get('INVALID_ARGUMENT')).toBeGreaterThan(1_000);
    expect(outcomes.get('RATE_LIMITED')).toBeGreaterThan(0);

    // Both instances are alive and serve a normal join.
    for (const [i, gateway] of stack.gateways.entries()) {
      expect(gateway.child.exitCode).toBeNull();
      expect((await gateway.fetch('/healthz')).status).toBe(200);
      const client = await connect(i, { tenant: 'acme', user: `u_after_${i}`, room: room.id });
      expect((await client.request('room.join', {})).ok).toBe(true);
    }
    // And logged nothing unexpected (no handler failed with an INTERNAL).
    for (const gateway of stack.gateways) {
      expect(gateway.logs.filter((l) => l['level'] === 'error' || l['level'] === 'fatal')).toEqual(
        [],
      );
    }
  }, 120_000);
});
