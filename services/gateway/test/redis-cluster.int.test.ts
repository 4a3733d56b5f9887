import { type Server as HttpServer, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

import {
  type NatsBus,
  RateLimiter,
  type RedisClient,
  createRedis,
  isRedisCluster,
  loadConfig,
} from '@cascade/server-kit';
import { eventually, useRedisCluster } from '@cascade/testing';
import { type Socket as ClientSocket, io as connect } from 'socket.io-client';

import { RevocationList } from '../src/auth/revocation-list';
import { type GatewayConfig, GatewayConfigSchema } from '../src/config';
import { keys } from '../src/sessions/keys';
import { RoomMedia } from '../src/sessions/room-media';
import { SessionStore } from '../src/sessions/session-store';
import { participantChannel, roomChannel } from '../src/signaling/channels';
import { SocketIoServer } from '../src/signaling/socket-io.server';
import { UserConnectionSlots } from '../src/user-connections/user-connection-slots';
import { ViewStore } from '../src/view/view-store';
import { createSession } from './support/sessions';

/**
 * The gateway on a real Redis Cluster (three masters of its own, `redis-server` with
 * `cluster-enabled yes`, joined by `redis-cli --cluster create`), configured as an operator
 * would (`REDIS_MODE=cluster`, the seeds in `REDIS_URL`) and connected as the service connects
 * (the kit's `createRedis`, ioredis's cluster client): the session store, the room's roster,
 * media, views and speakers, the user connection slots, revocations and a rate limit; and two
 * gateways' Socket.IO servers, on the sharded adapter that cluster mode selects, delivering to
 * each other's sockets in rooms whose channels live on every shard.
 */
const cluster = useRedisCluster();
let config: GatewayConfig;
let redis: RedisClient;

const quiet = { warn: () => undefined };
const info = (instanceId: string) => ({ name: 'gateway', version: 'test', instanceId });

beforeAll(async () => {
  config = loadConfig('gateway', GatewayConfigSchema, {
    NATS_URL: 'nats://127.0.0.1:4222', // required by the configuration; not used here
    GATEWAY_AUTH_JWKS_URL: 'http://127.0.0.1:9/.well-known/jwks.json',
    ...cluster().env,
  });
  redis = createRedis(config, info('gw-test'));
  await redis.connect();
});

afterAll(async () => {
  await redis?.quit();
});

const session = (store: SessionStore, roomId: string, socketId: string) =>
  createSession(store, { roomId, socketId });

/** Names whose keys (`keyOf`, under the suite's key prefix) are on every master. */
const onEveryShard = (name: string, keyOf: (name: string) => string) =>
  cluster().onEveryMaster(name, (n) => `${cluster().keyPrefix}${keyOf(n)}`);

describe('the gateway’s stores on a Redis Cluster', () => {
  it('connects with the cluster client the configuration asks for', () => {
    expect(config.REDIS_MODE).toBe('cluster');
    expect(isRedisCluster(redis)).toBe(true);
  });

  it('keeps sessions through create, media, a drop, a resume on another instance, and the end', async () => {
    const one = new SessionStore(redis, 'gw-one', quiet);
    const two = new SessionStore(redis, 'gw-two', quiet);
    const media = new RoomMedia(redis, quiet);
    const s = await session(one, 'standup', 'sock-1');
    expect(await one.record(s, 'transport', 't1', 'send')).toBe(true);
    expect(await one.record(s, 'producer', 'pr1')).toBe(true);
    expect(
      await media.addProducer('acme', 'standup', {
        producerId: 'pr1',
        participantId: s.participantId,
        kind: 'audio',
        source: 'microphone',
        paused: false,
      }),
    ).toBe(true);
    expect(await media.setPaused('acme', 'standup', 'pr1', true)).toBe(true);
    expect(await one.roster('acme', 'standup')).toEqual([
      expect.objectContaining({ participantId: s.participantId }),
    ]);

    // The socket drops; another instance takes the session on resume, with a new token.
    expect(await one.markDisconnected(s, 'sock-1', Date.now() + 10_000)).toBe(true);
    expect(await two.resolveResume(s.resumeHash)).toEqual({
      tenantId: 'acme',
      roomId: 'standup',
      participantId: s.participantId,
    });
    expect(await two.claimForResume(s, 'sock-2')).toMatchObject({ outcome: 'taken' });
    expect(await two.rotateResume(s, 'hash-rotated', s.resumeHash, 1_000)).toBe(true);
    expect(await two.get(s)).toMatchObject({
      state: 'connected',
      socketId: 'sock-2',
      instanceId: 'gw-two',
      producerIds: ['pr1'],
    });

    // It ends exactly once, on whichever instance gets there first.
    const [first, second] = await Promise.all([one.remove(s), two.remove(s)]);
    expect([first, second].filter(Boolean)).toHaveLength(1);
    await media.removeProducers('acme', 'standup', ['pr1']);
    expect(await one.get(s)).toBeUndefined();
    expect(await one.roster('acme', 'standup')).toEqual([]);
  });

  it('starts the grace period of a dead instance’s sessions, and sweeps them once', async () => {
    const one = new SessionStore(redis, 'gw-alive', quiet);
    const dead = new SessionStore(redis, 'gw-dead', quiet);
    const now = Date.now();
    await dead.heartbeat(now - 20_000);
    const held = await session(dead, 'retro', 'sock-dead');
    await one.heartbeat(now);
    expect(await one.adoptOrphans(now, 10_000, 3_000)).toBe(1);
    expect((await one.get(held))?.state).toBe('disconnected');
    const [a, b] = await Promise.all([
      one.claimExpired(now + 3_000, 100),
      dead.claimExpired(now + 3_000, 100),
    ]);
    expect([...a, ...b]).toEqual([
      { tenantId: 'acme', roomId: 'retro', participantId: held.participantId },
    ]);
    await one.deregister();
  });

  it('keeps each room’s views and speakers on the shard of its own slot', async () => {
    const views = new ViewStore(redis, quiet);
    // Per-room hash tags: the rooms are spread over the shards, not piled on one.
    const rooms = await onEveryShard('room', (room) => `gw:view:{acme:${room}}:views`);
    for (const room of rooms) {
      await views.setView('acme', room, 'p_1', { visible: [], lastN: 3 });
      await views.pushSpeaker('acme', room, 'p_1');
      expect(await views.pushSpeaker('acme', room, 'p_2')).toEqual({
        before: ['p_1'],
        after: ['p_2', 'p_1'],
        epoch: 3, // the view set, and two speakers pushed
      });
      expect(await views.swapAudible('acme', room, new Set(['p_2']))).toEqual({
        was: 'all',
        epoch: 4,
        changed: true,
      });
      expect(await views.speakersAt('acme', room)).toEqual({ speakers: ['p_2', 'p_1'], epoch: 4 });
      expect(await views.view('acme', room, 'p_1')).toEqual({ visible: [], lastN: 3 });
    }
  });

  it('renews the connection slots of users whose keys are on different shards', async () => {
    const slots = new UserConnectionSlots(redis, { max: 2, leaseMs: 60_000 });
    const users = (
      await onEveryShard('user', (userId) => keys.userConnections('acme', userId))
    ).map((userId) => ({ tenantId: 'acme', userId }));
    for (const [i, user] of users.entries()) {
      expect(await slots.acquire(user, `sock-a${i}`)).toBe(true);
      expect(await slots.acquire(user, `sock-b${i}`)).toBe(true);
      expect(await slots.acquire(user, `sock-c${i}`)).toBe(false);
    }
    await slots.renew();
    for (const user of users) expect(await slots.count(user)).toBe(2);
  });

  it('records revocations and counts a rate limit', async () => {
    const revocations = new RevocationList(redis);
    await revocations.record({ type: 'user', tenantId: 'acme', userId: 'u_gone', revokedAt: 5 });
    expect(
      await revocations.revoked({
        tenantId: 'acme',
        userId: 'u_gone',
        token: { issuedAt: 4, expiresAt: 10_000 },
      }),
    ).toBe('user');
    const limit = new RateLimiter(redis, { name: 'test:cluster', points: 2, durationSeconds: 60 });
    const decisions = [];
    for (let i = 0; i < 3; i++) decisions.push((await limit.hit('10.0.0.1')).allowed);
    expect(decisions).toEqual([true, true, false]);
  });
});

describe('two gateways’ Socket.IO servers on a Redis Cluster', () => {
  const started: Array<{ server: SocketIoServer; http: HttpServer; url: string }> = [];
  const clients: ClientSocket[] = [];
  const bus = {
    request: () => Promise.reject(new Error('no NATS in this test')),
  } as unknown as NatsBus;

  beforeAll(async () => {
    for (const instanceId of ['gw-1', 'gw-2']) {
      const server = new SocketIoServer(config, info(instanceId), bus);
      // A socket joins the channels its handshake names (the signaling layer's job in the service).
      server.io.on('connection', (socket) => {
        const { channels } = socket.handshake.query as { channels: string };
        void socket.join(channels.split(','));
      });
      const http = createServer();
      server.io.attach(http);
      await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
      const url = `http://127.0.0.1:${(http.address() as AddressInfo).port}`;
      started.push({ server, http, url });
    }
  });

  afterAll(async () => {
    for (const c of clients) c.disconnect();
    for (const { server, http } of started) {
      await server.onApplicationShutdown();
      await new Promise((resolve) => http.close(resolve));
    }
  });

  /** A client of `url` whose socket the server puts in `channels`, and what it receives. */
  async function client(url: string, channels: string[]) {
    const socket = connect(url, {
      transports: ['websocket'],
      forceNew: true,
      reconnection: false,
      query: { channels: channels.join(',') },
    });
    clients.push(socket);
    const received: unknown[] = [];
    socket.onAny((_event: string, payload: unknown) => received.push(payload));
    await new Promise<void>((resolve, reject) => {
      socket.once('connect', resolve);
      socket.once('connect_error', reject);
    });
    return { socket, received };
  }

  it('deliver broadcasts from one gateway to sockets on the other, over every shard', async () => {
    expect(config.GATEWAY_SOCKETIO_ADAPTER).toBe('sharded');
    const [one, two] = [started[0]!, started[1]!];
    // Rooms whose sharded channels (`<prefix>socket.io#/#<channel>#`) are on every master.
    const channelOf = (room: string) =>
      `${config.REDIS_KEY_PREFIX}socket.io#/#${roomChannel('acme', room)}#`;
    const rooms = await cluster().onEveryMaster('hall', channelOf);

    const { received } = await client(
      two.url,
      rooms.map((r) => roomChannel('acme', r)),
    );
    for (const room of rooms) {
      const payload = { participantId: `p_${room}`, producerId: 'pr_1' };
      // A room's shard channel is subscribed once the socket has joined: broadcast until then.
      await eventually(
        `gateway one's broadcast in ${room} on gateway two's socket`,
        () => {
          one.server.toRoom('acme', room, 'speaker.active', payload);
          return received;
        },
        (events) => events.some((p) => JSON.stringify(p) === JSON.stringify(payload)),
        { timeoutMs: 10_000, intervalMs: 100 },
      );
    }
  });

  it('disconnect a participant’s socket held by the other gateway', async () => {
    const [one, two] = [started[0]!, started[1]!];
    const participant = { tenantId: 'acme', roomId: 'hall-1', participantId: 'p_kicked' };
    const { socket } = await client(two.url, [participantChannel(participant)]);
    const reason = new Promise<string>((resolve) => socket.once('disconnect', resolve));
    await eventually(
      'gateway one to disconnect the socket held by gateway two',
      () => {
        one.server.disconnectParticipant(participant);
        return socket.connected;
      },
      (connected) => !connected,
      { timeoutMs: 10_000, intervalMs: 100 },
    );
    expect(await reason).toBe('io server disconnect');
  });
});
