import { createHash, createHmac, randomBytes } from 'node:crypto';
import { createSocket } from 'node:dgram';

import {
  type RunningCoturn,
  SdkBot,
  eventually,
  freePortRange,
  startCoturn,
  waitFor,
} from '@cascade/testing';

import { TurnCredentials, turnPassword } from '../src/turn/turn-credentials';
import { useCascadeStack } from './support/stack';

/**
 * TURN with time-limited REST credentials, against a real coturn (`turnserver`, Debian's coturn)
 * started by the suite on free ports with `use-auth-secret` (the local stack's configuration,
 * `startCoturn` in @cascade/testing): the gateway hands each session its
 * own credential, and SDK clients (@cascade/client on @roamhq/wrtc) forced to relay
 * (`iceTransportPolicy: 'relay'`) get their media through it to a real sfu-node. A credential
 * minted with another secret, or expired, is refused by the TURN server (a raw TURN Allocate,
 * RFC 5766, checks it without WebRTC in the way).
 */
const SECRET = randomBytes(24).toString('hex');
const WRONG_SECRET = randomBytes(24).toString('hex');
const REALM = 'cascade.test';
const TENANT = 'acme';
const MEDIA = {
  video: { width: 160, height: 120, fps: 10 },
  audio: { frequencyHz: 440, sampleRate: 48_000 },
};

let turnPort = 0;
let coturn: RunningCoturn | undefined;
/** Everything coturn logged so far. */
const turnLog = () => coturn?.log() ?? '';

beforeAll(async () => {
  // One run of free ports: the listener, then the relay ports.
  const base = await freePortRange(41);
  turnPort = base;
  coturn = await startCoturn({
    port: turnPort,
    relayPorts: [base + 1, base + 40],
    secret: SECRET,
    realm: REALM,
    verbose: true,
  });
  await waitFor(
    'turnserver to answer an Allocate',
    async () => {
      const answer = await allocate(turnCredentials(SECRET).mint('probe'), 1_000).catch(
        () => undefined,
      );
      return answer?.ok ? true : undefined;
    },
    { timeoutMs: 20_000, intervalMs: 200 },
  );
});

afterAll(async () => {
  if (process.env['CASCADE_TEST_SHOW_LOGS']) console.log(`── turnserver ──\n${turnLog()}`);
  await coturn?.stop();
});

const turnCredentials = (secret: string, clock: () => number = Date.now) =>
  new TurnCredentials(
    { urls: [`turn:127.0.0.1:${turnPort}?transport=udp`], secret, ttlSeconds: 600 },
    clock,
  );

// Gateway 0 mints with the TURN server's secret, gateway 1 with another one; gateway 2 hands
// out TURN over TCP only (a client whose network blocks UDP).
const stack = useCascadeStack({
  gateways: 3,
  sfuNodes: 1,
  gatewayEnv: (index) => ({
    GATEWAY_TURN_URLS: `turn:127.0.0.1:${turnPort}?transport=${index === 2 ? 'tcp' : 'udp'}`,
    GATEWAY_TURN_SECRET: index === 1 ? WRONG_SECRET : SECRET,
    GATEWAY_TURN_CREDENTIAL_TTL_SECONDS: '600',
  }),
});

// ── a raw TURN Allocate (RFC 5389 / 5766 long-term credentials) ──────────────────────────────

const MAGIC = 0x2112a442;
const ATTR = {
  USERNAME: 0x0006,
  MESSAGE_INTEGRITY: 0x0008,
  ERROR_CODE: 0x0009,
  REALM: 0x0014,
  NONCE: 0x0015,
  XOR_RELAYED_ADDRESS: 0x0016,
  REQUESTED_TRANSPORT: 0x0019,
};

function attribute(type: number, value: Buffer): Buffer {
  const header = Buffer.alloc(4);
  header.writeUInt16BE(type, 0);
  header.writeUInt16BE(value.length, 2);
  const pad = Buffer.alloc((4 - (value.length % 4)) % 4);
  return Buffer.concat([header, value, pad]);
}

function message(type: number, id: Buffer, attributes: Buffer[], integrityKey?: Buffer): Buffer {
  let body = Buffer.concat(attributes);
  const header = (length: number) => {
    const h = Buffer.alloc(20);
    h.writeUInt16BE(type, 0);
    h.writeUInt16BE(length, 2);
    h.writeUInt32BE(MAGIC, 4);
    id.copy(h, 8);
    return h;
  };
  if (integrityKey) {
    // The HMAC covers the message with its length already counting the integrity attribute.
    const hmac = createHmac('sha1', integrityKey)
      .update(Buffer.concat([header(body.length + 24), body]))
      .digest();
    body = Buffer.concat([body, attribute(ATTR.MESSAGE_INTEGRITY, hmac)]);
  }
  return Buffer.concat([header(body.length), body]);
}

function parse(packet: Buffer): { type: number; attributes: Map<number, Buffer> } {
  const attributes = new Map<number, Buffer>();
  let offset = 20;
  while (offset + 4 <= packet.length) {
    const type = packet.readUInt16BE(offset);
    const length = packet.readUInt16BE(offset + 2);
    attributes.set(type, packet.subarray(offset + 4, offset + 4 + length));
    offset += 4 + length + ((4 - (length % 4)) % 4);
  }
  return { type: packet.readUInt16BE(0), attributes };
}

interface AllocateAnswer {
  ok: boolean;
  /** The STUN error code (401: unauthorized) when refused. */
  errorCode?: number;
  relayedPort?: number;
}

/** Asks the TURN server for a UDP relay with `credential`, as a WebRTC client would. */
async function allocate(
  credential: { username: string; credential: string },
  timeoutMs = 5_000,
): Promise<AllocateAnswer> {
  const socket = createSocket('udp4');
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
  const exchange = (packet: Buffer) =>
    new Promise<ReturnType<typeof parse>>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error('no answer from the TURN server')),
        timeoutMs,
      );
      socket.once('message', (reply) => {
        clearTimeout(timer);
        resolve(parse(reply));
      });
      socket.send(packet, turnPort, '127.0.0.1');
    });
  try {
    const transport = attribute(ATTR.REQUESTED_TRANSPORT, Buffer.from([17, 0, 0, 0]));
    // First without credentials: the server answers 401 with its realm and a nonce.
    const challenge = await exchange(message(0x0003, randomBytes(12), [transport]));
    const realm = challenge.attributes.get(ATTR.REALM);
    const nonce = challenge.attributes.get(ATTR.NONCE);
    if (!realm || !nonce) throw new Error('the TURN server sent no realm and nonce');
    const key = createHash('md5')
      .update(`${credential.username}:${realm.toString()}:${credential.credential}`)
      .digest();
    const answer = await exchange(
      message(
        0x0003,
        randomBytes(12),
        [
          transport,
          attribute(ATTR.USERNAME, Buffer.from(credential.username)),
          attribute(ATTR.REALM, realm),
          attribute(ATTR.NONCE, nonce),
        ],
        key,
      ),
    );
    if (answer.type === 0x0103) {
      const relayed = answer.attributes.get(ATTR.XOR_RELAYED_ADDRESS);
      return {
        ok: true,
        ...(relayed ? { relayedPort: relayed.readUInt16BE(2) ^ (MAGIC >>> 16) } : {}),
      };
    }
    const error = answer.attributes.get(ATTR.ERROR_CODE);
    return { ok: false, ...(error ? { errorCode: error[2]! * 100 + error[3]! } : {}) };
  } finally {
    socket.close();
  }
}

// ── the tests ──────────────────────────────────────────────────────────────────────────────

describe('TURN with time-limited credentials (real coturn)', () => {
  const bots: SdkBot[] = [];
  afterAll(async () => {
    await Promise.all(bots.map((b) => b.stop().catch(() => undefined)));
  });

  async function bot(
    name: string,
    gateway: number,
    roomId: string,
    iceTransportPolicy: 'all' | 'relay' = 'relay',
  ): Promise<SdkBot> {
    const launched = await SdkBot.start({
      url: stack.gatewayUrls[gateway]!,
      token: () => stack.mintJoinToken({ tenant: TENANT, user: `u_${name}`, room: roomId, name }),
      displayName: name,
      name,
      publish: { camera: true, microphone: true },
      media: MEDIA,
      iceTransportPolicy,
    });
    bots.push(launched);
    return launched;
  }

  /** Both clients decode the other's camera and microphone, with every transport connected. */
  async function decodeEachOther(
    [one, oneId]: [SdkBot, string],
    [other, otherId]: [SdkBot, string],
  ): Promise<void> {
    await eventually(
      'each client decodes the other’s camera and microphone, relayed',
      async () => {
        const [r1, r2] = [await one.received(), await other.received()];
        const from = (r: typeof r1, participantId: string) =>
          Object.values(r).filter((t) => t.participantId === participantId);
        return [...from(r1, otherId), ...from(r2, oneId)];
      },
      (tracks) =>
        tracks.length === 4 &&
        tracks.every((t) => (t.kind === 'video' ? t.decodedFrames >= 10 : t.samples >= 48_000)),
      { timeoutMs: 40_000, intervalMs: 500 },
    );
    for (const client of [one, other]) {
      const states = (await client.stats()).transports.map((t) => t.connectionState);
      expect(states).toEqual(['connected', 'connected']);
    }
  }

  it('relays for a credential the gateway mints, refuses one of another secret or expired', async () => {
    const good = turnCredentials(SECRET).mint('p_good');
    const allocated = await allocate(good);
    expect(allocated.ok).toBe(true);
    expect(allocated.relayedPort).toBeGreaterThan(turnPort);

    expect(await allocate(turnCredentials(WRONG_SECRET).mint('p_wrong'))).toEqual({
      ok: false,
      errorCode: 401,
    });
    const expired = turnCredentials(SECRET, () => Date.now() - 601_000).mint('p_expired');
    expect(expired.expiresAt).toBeLessThan(Date.now() / 1000);
    expect(await allocate(expired)).toEqual({ ok: false, errorCode: 401 });
    // The right password for someone else's username is refused too.
    expect(
      await allocate({
        username: good.username.replace('p_good', 'p_other'),
        credential: good.credential,
      }),
    ).toEqual({ ok: false, errorCode: 401 });
    expect(turnPassword(SECRET, good.username)).toBe(good.credential);
  });

  it('gets two SDK clients forced to relay talking through the TURN server', async () => {
    const room = await stack.createRoom(TENANT, 'u_owner', { id: 'r_turn_relay' });
    const [alice, bob] = [await bot('alice', 0, room.id), await bot('bob', 0, room.id)];
    const [a, b] = [await alice.join(), await bob.join()];
    // Each session was handed its own credential, `<expiry>:<participant id>`, with which coturn
    // allocated a relay and bound a channel to the media node (the peer its media goes to).
    for (const joined of [a, b])
      for (const step of ['ALLOCATE', 'CREATE_PERMISSION', 'CHANNEL_BIND'])
        await eventually(
          `coturn to process ${step} for ${joined.participantId}`,
          turnLog,
          (log) =>
            new RegExp(`:${joined.participantId}>[^\\n]*${step} processed, success`).test(log),
          { timeoutMs: 20_000, intervalMs: 250 },
        );
    await decodeEachOther([alice, a.participantId], [bob, b.participantId]);

    // A dropped connection: the resumed session is handed a fresh credential (a later expiry),
    // the SDK gives it to its transports before restarting their ICE, and coturn allocates with it.
    const expiries = () =>
      new Set(
        [
          ...turnLog().matchAll(
            new RegExp(`user <(\\d+):${a.participantId}>[^\\n]*ALLOCATE processed, success`, 'g'),
          ),
        ].map((m) => Number(m[1])),
      );
    const before = Math.max(...expiries());
    await alice.dropSocket();
    await alice.waitForEvent('sessionRestored', undefined, 15_000);
    await eventually(
      `coturn to allocate with ${a.participantId}'s fresh credential`,
      () => [...expiries()],
      (seen) => seen.some((expiry) => expiry > before),
      { timeoutMs: 20_000, intervalMs: 250 },
    );
    const framesBefore = Object.values(await bob.received()).find(
      (t) => t.participantId === a.participantId && t.kind === 'video',
    )!.decodedFrames;
    await eventually(
      'bob to keep decoding alice’s camera after her ICE restart',
      async () =>
        Object.values(await bob.received()).find(
          (t) => t.participantId === a.participantId && t.kind === 'video',
        )?.decodedFrames ?? 0,
      (frames) => frames >= framesBefore + 20,
      { timeoutMs: 20_000, intervalMs: 500 },
    );
  });

  it('relays over TCP for a client handed only a TCP TURN server (a network that blocks UDP)', async () => {
    const room = await stack.createRoom(TENANT, 'u_owner3', { id: 'r_turn_tcp' });
    const [erin, frank] = [await bot('erin', 2, room.id), await bot('frank', 2, room.id)];
    const [e, f] = [await erin.join(), await frank.join()];
    for (const joined of [e, f])
      await eventually(
        `coturn to bind a channel for ${joined.participantId} over TCP`,
        turnLog,
        (log) =>
          new RegExp(`:${joined.participantId}>[^\\n]*CHANNEL_BIND processed, success`).test(log),
        { timeoutMs: 20_000, intervalMs: 250 },
      );
    await decodeEachOther([erin, e.participantId], [frank, f.participantId]);
  });

  it('refuses the relay to a client whose gateway minted with the wrong secret: forced to relay, it gets no media path', async () => {
    const room = await stack.createRoom(TENANT, 'u_owner2', { id: 'r_turn_wrong' });
    // dave (the same gateway, ICE over every path) is the control: on this machine his direct
    // path works, so a carol that connected would have ignored `iceTransportPolicy: 'relay'`.
    const [carol, dave] = [await bot('carol', 1, room.id), await bot('dave', 1, room.id, 'all')];
    const [c] = [await carol.join(), await dave.join()];
    await eventually(
      `coturn to refuse ${c.participantId}'s credential`,
      turnLog,
      (log) => new RegExp(`:${c.participantId}>[^\\n]*error 401`).test(log),
      { timeoutMs: 20_000, intervalMs: 250 },
    );
    await eventually(
      'dave, on any path, to connect his transports',
      async () => (await dave.stats()).transports.map((t) => t.connectionState),
      (states) => states.length > 0 && states.every((state) => state === 'connected'),
      { timeoutMs: 20_000, intervalMs: 250 },
    );
    await new Promise((r) => setTimeout(r, 3_000));
    const states = (await carol.stats()).transports.map((t) => t.connectionState);
    expect(states.length).toBeGreaterThan(0);
    expect(states.filter((state) => state === 'connected')).toEqual([]);
  });
});
