import { randomUUID } from 'node:crypto';

import {
  CascadeError,
  type ErrorCode,
  type OrchestratorRoomEvent,
  type SfuControlOp,
  type SfuControlResult,
  type SfuNodeHeartbeat,
  type SfuRoomEvent,
} from '@cascade/contracts';
import type { SfuControlPayload } from '@cascade/sfu-client';

import { Placement } from '../placement/placement';
import { NodeRegistry } from '../registry/node-registry';
import { type NodeCalls, type NodeRoomDump, RoomCoordinator } from './room-coordinator';
import { type RoomState, emptyRoom, footprint, participantsOn } from './room-state';

const TENANT = 'acme';
const ROOM = 'standup';
const T0 = 1_700_000_000_000;
const STALE_MS = 5_000;
const DEAD_MS = 15_000;
const LINGER_MS = 5_000;

const RTP_CAPABILITIES = { codecs: [], headerExtensions: [] };
const RTP_PARAMETERS = {
  codecs: [{ mimeType: 'video/VP8', payloadType: 101, clockRate: 90_000 }],
};

// ---------------------------------------------------------------------------------------------
// A fake SFU cluster: nodes that answer control requests like sfu-node does and record them.

/** One request a node received, without the room (checked separately). */
type Sent = { nodeId: string } & Record<string, unknown>;

interface Request {
  nodeId: string;
  op: SfuControlOp;
  payload: Record<string, unknown>;
}

/** What a node reports about the room when it agrees with the orchestrator's state. */
function agreeingDump(state: RoomState, nodeId: string): NodeRoomDump | undefined {
  const participants = participantsOn(state, nodeId).map((p) => ({
    participantId: p.participantId,
  }));
  const originals = Object.values(state.producers)
    .filter((p) => p.nodeId === nodeId)
    .map(({ producerId, participantId, kind, source, paused }) => ({
      producerId,
      participantId,
      kind,
      source,
      paused,
    }));
  const copies = Object.values(state.piped)
    .filter((c) => c.to === nodeId)
    .map((c) => {
      const { producerId, participantId, kind, source, paused } = state.producers[c.producerId]!;
      return { producerId, participantId, kind, source, paused, fromNodeId: c.from };
    });
  const pipes = Object.values(state.pipes)
    .filter(({ a, b }) => a === nodeId || b === nodeId)
    .map(({ a, b }) => ({ peerNodeId: a === nodeId ? b : a }));
  if (participants.length === 0 && pipes.length === 0) return undefined;
  return { participants, producers: [...originals, ...copies], pipes };
}

class FakeSfuNodes implements NodeCalls {
  readonly requests: Request[] = [];
  /** What `room.dump` answers on a node; by default, whatever the room's state says is there. */
  readonly dumps = new Map<string, NodeRoomDump>();
  /** What each `pipe.create` answered, by `node>peer`: the other end connects to it. */
  readonly pipeEnds = new Map<string, { ip: string; port: number; srtpParameters: object }>();
  readonly #failures = new Map<string, CascadeError>();
  #nextPort = 41_000;

  constructor(private readonly state: RoomState) {}

  /** From now on `op` on `nodeId` fails with `code`. */
  fail(nodeId: string, op: SfuControlOp, code: ErrorCode): void {
    this.#failures.set(`${op}@${nodeId}`, new CascadeError(code, `${op} failed on ${nodeId}`));
  }

  recover(nodeId: string, op: SfuControlOp): void {
    this.#failures.delete(`${op}@${nodeId}`);
  }

  /** Requests of one kind, each as its node and its payload without the room. */
  sent(op: SfuControlOp): Sent[] {
    return this.requests
      .filter((r) => r.op === op)
      .map(({ nodeId, payload: { tenantId: _t, roomId: _r, ...rest } }) => ({ nodeId, ...rest }));
  }

  count(op: SfuControlOp): number {
    return this.requests.filter((r) => r.op === op).length;
  }

  clear(): void {
    this.requests.length = 0;
  }

  async request<O extends SfuControlOp>(
    nodeId: string,
    op: O,
    payload: SfuControlPayload<O>,
  ): Promise<SfuControlResult<O>> {
    const body = { ...payload } as Record<string, unknown>;
    this.requests.push({ nodeId, op, payload: body });
    const failure = this.#failures.get(`${op}@${nodeId}`);
    if (failure) throw failure;
    return this.#answer(nodeId, op, body) as SfuControlResult<O>;
  }

  #answer(nodeId: string, op: SfuControlOp, payload: Record<string, unknown>): unknown {
    switch (op) {
      case 'router.capabilities':
        return { rtpCapabilities: RTP_CAPABILITIES };
      case 'pipe.create': {
        const end = {
          ip: '127.0.0.1',
          port: this.#nextPort++,
          srtpParameters: {
            cryptoSuite: 'AEAD_AES_256_GCM',
            keyBase64: randomUUID().replace(/-/g, ''),
          },
        };
        this.pipeEnds.set(`${nodeId}>${String(payload['peerNodeId'])}`, end);
        return { transportId: randomUUID(), ...end };
      }
      case 'pipe.produceOut': {
        const producer = this.state.producers[payload['producerId'] as string];
        if (!producer) throw new CascadeError('NOT_FOUND', 'no such producer');
        return {
          producerId: producer.producerId,
          participantId: producer.participantId,
          kind: producer.kind,
          source: producer.source,
          rtpParameters: RTP_PARAMETERS,
          paused: producer.paused,
        };
      }
      case 'pipe.produceIn':
        return { producerId: payload['producerId'] };
      case 'room.dump': {
        const dump = this.dumps.get(nodeId) ?? agreeingDump(this.state, nodeId);
        if (!dump) throw new CascadeError('NOT_FOUND', `room ${ROOM} is not on ${nodeId}`);
        return dump;
      }
      default:
        return {};
    }
  }
}

// ---------------------------------------------------------------------------------------------
// A room, three live nodes (n1 least loaded, then n2, then n3) and the coordinator in between.

function heartbeat(
  nodeId: string,
  cpu: number,
  sequence: number,
  sentAt: number,
): SfuNodeHeartbeat {
  const worker = (index: number) => ({
    index,
    pid: 1_000 + index,
    cpu,
    routers: 1,
    transports: 0,
    producers: 0,
    consumers: 0,
    pipeConsumers: 0,
    bitrateInBps: 0,
    bitrateOutBps: 0,
  });
  return {
    nodeId,
    region: 'eu-west',
    state: 'serving',
    version: 'test',
    addresses: { announcedAddress: `${nodeId}.test`, rtcBasePort: 40_000 },
    capacity: { maxStreams: 1_000, maxBitrateOutBps: 1_000_000_000 },
    workers: [worker(0), worker(1)],
    totals: {
      rooms: 0,
      participants: 0,
      producers: 0,
      consumers: 0,
      pipeConsumers: 0,
      bitrateInBps: 0,
      bitrateOutBps: 0,
    },
    sentAt,
    sequence,
  };
}

type World = ReturnType<typeof world>;

type RoomEventOf<T extends SfuRoomEvent['type']> = Extract<SfuRoomEvent, { type: T }>;

function world(cpuByNode: Record<string, number> = { n1: 0.1, n2: 0.2, n3: 0.3 }) {
  let now = T0;
  const clock = () => now;
  const registry = new NodeRegistry({ staleAfterMs: STALE_MS, deadAfterMs: DEAD_MS }, clock);
  const alive = new Map(Object.entries(cpuByNode));
  let sequence = 0;
  const beat = () => {
    sequence++;
    for (const [nodeId, cpu] of alive) registry.observe(heartbeat(nodeId, cpu, sequence, now));
  };
  beat();

  const state = emptyRoom(TENANT, ROOM);
  const nodes = new FakeSfuNodes(state);
  const events: OrchestratorRoomEvent[] = [];
  const log = { info: jest.fn(), warn: jest.fn() };
  const placement = new Placement();
  const coordinator = new RoomCoordinator(
    registry,
    placement,
    nodes,
    { roomEvent: (e) => events.push(e) },
    log,
    { pipeLingerMs: LINGER_MS },
    clock,
  );

  const w = {
    state,
    nodes,
    events,
    log,
    coordinator,
    registry,
    placement,
    get now() {
      return now;
    },
    advance(ms: number) {
      now += ms;
    },
    /** The node goes silent; the others keep beating until the registry declares it dead. */
    kill(nodeId: string) {
      alive.delete(nodeId);
      now += DEAD_MS + 1;
      beat();
      registry.sweep();
    },
    /** A participant the room already placed on `nodeId`. */
    seat(participantId: string, nodeId: string, workerIndex = 0) {
      state.participants[participantId] = { participantId, nodeId, workerIndex, joinedAt: now };
    },
    /** Streams the placement counts on `nodeId` now: its heartbeat's and its reservations. */
    streamsOn(nodeId: string) {
      const node = [...registry.snapshots()].find((n) => n.heartbeat.nodeId === nodeId)!;
      return placement.nodeLoad(node.heartbeat, now).streams;
    },
    /** A node reports something about the room. */
    event<T extends SfuRoomEvent['type']>(
      type: T,
      fields: Omit<RoomEventOf<T>, 'type' | 'tenantId' | 'roomId' | 'at'>,
    ) {
      const event = { type, tenantId: TENANT, roomId: ROOM, at: now, ...fields } as SfuRoomEvent;
      return coordinator.onNodeEvent(state, event);
    },
    /** The participant's node announces a new camera producer. */
    publish(participantId: string, producerId: string) {
      return w.event('producer.created', {
        nodeId: state.participants[participantId]!.nodeId,
        participantId,
        producerId,
        kind: 'video',
        source: 'camera',
        piped: false,
        paused: false,
      });
    },
    join(
      participantId: string,
      extra: { userId?: string; region?: string; role?: 'speaker' | 'viewer' } = {},
    ) {
      return coordinator.join(state, {
        op: 'participant.join',
        tenantId: TENANT,
        roomId: ROOM,
        participantId,
        ...extra,
      });
    },
    prepare(participantId: string, producerId: string) {
      return coordinator.prepareConsumer(state, {
        op: 'consumer.prepare',
        tenantId: TENANT,
        roomId: ROOM,
        participantId,
        producerId,
      });
    },
    /** The consumer of `producerId` that `participantId` had on its node closed. */
    consumerClosed(participantId: string, producerId: string) {
      return w.event('consumer.closed', {
        nodeId: state.participants[participantId]!.nodeId,
        participantId,
        consumerId: randomUUID(),
        producerId,
        reason: 'closed',
      });
    },
  };
  return w;
}

/** Compares lists of requests regardless of the order concurrent requests went out in. */
function anyOrder<T>(list: T[]): T[] {
  return [...list].sort((x, y) => JSON.stringify(x).localeCompare(JSON.stringify(y)));
}

const keys = (record: object) => Object.keys(record).sort();

async function rejection(promise: Promise<unknown>): Promise<CascadeError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(CascadeError);
  return error as CascadeError;
}

/** alice on n1, bob on n2 publishing `bob-cam`, carol on n3. */
async function threeNodeRoom() {
  const w = world();
  w.seat('alice', 'n1');
  w.seat('bob', 'n2');
  w.seat('carol', 'n3');
  await w.publish('bob', 'bob-cam');
  return w;
}

// ---------------------------------------------------------------------------------------------

describe('RoomCoordinator', () => {
  describe('webinar viewers', () => {
    /** Speakers s1 and s2 on n1, a viewer `v0` there too. */
    function webinar() {
      const w = world();
      w.seat('s1', 'n1');
      w.seat('s2', 'n1');
      w.seat('v0', 'n1');
      w.state.participants['v0']!.role = 'viewer';
      return w;
    }

    it("keeps a viewer's role and reserves what it receives, not what a speaker costs", async () => {
      const viewer = webinar();
      const placed = await viewer.join('v1', { role: 'viewer' });
      expect(placed.nodeId).toBe('n1');
      // Its answer lists the speakers, not the other viewers.
      expect(placed.participants.map((p) => p.participantId).sort()).toEqual(['s1', 's2']);
      expect(viewer.state.participants['v1']).toMatchObject({ nodeId: 'n1', role: 'viewer' });
      // 2 streams of each of the 2 speakers; nothing published, nobody consumes it.
      expect(viewer.streamsOn('n1')).toBe(2 * 2);

      const speaker = webinar();
      await speaker.join('s3');
      expect(speaker.state.participants['s3']!.role).toBeUndefined();
      // Its 2, 2 of each speaker, and the 2 speakers and the viewer each consume its 2.
      expect(speaker.streamsOn('n1')).toBe(2 * (1 + 2) + 2 * 3);
    });

    it('counts viewers apart from speakers for later placements, and a leave gives back theirs', async () => {
      const w = webinar();
      await w.join('v1', { role: 'viewer' });
      expect(footprint(w.state)).toMatchObject({ participants: 4, speakers: 2 });
      expect(w.placement.joinStreams(footprint(w.state), 'n1', 'n1', 'viewer')).toBe(2 * 2);

      await w.coordinator.leave(w.state, 'v1');
      await w.coordinator.leave(w.state, 's2');
      expect(footprint(w.state)).toMatchObject({ participants: 2, speakers: 1 });
      expect(w.placement.joinStreams(footprint(w.state), 'n1', 'n1', 'viewer')).toBe(2 * 1);
      // A speaker now: its 2, s1's 2, and s1 and v0 consume its 2.
      expect(w.placement.joinStreams(footprint(w.state), 'n1')).toBe(2 * 2 + 2 * 2);
    });
  });

  describe('join', () => {
    it('places the first participant on the least loaded node', async () => {
      const w = world();

      const answer = await w.join('alice', { userId: 'u-alice' });

      expect(answer).toEqual({
        nodeId: 'n1',
        workerIndex: expect.any(Number),
        rtpCapabilities: RTP_CAPABILITIES,
        participants: [],
        producers: [],
        rejoined: false,
      });
      expect(w.state.participants['alice']).toEqual({
        participantId: 'alice',
        userId: 'u-alice',
        nodeId: 'n1',
        workerIndex: answer.workerIndex,
        joinedAt: w.now,
      });
    });

    it("opens the room on the chosen node and answers the others' participants and producers", async () => {
      const w = world();
      w.seat('bob', 'n2', 1);
      await w.publish('bob', 'bob-cam');

      const answer = await w.join('alice');

      expect(answer.nodeId).toBe('n2'); // the room already uses n2
      expect(answer.rtpCapabilities).toEqual(RTP_CAPABILITIES);
      expect(answer.participants).toEqual([w.state.participants['bob']]);
      expect(answer.producers).toEqual([
        {
          producerId: 'bob-cam',
          participantId: 'bob',
          nodeId: 'n2',
          kind: 'video',
          source: 'camera',
          paused: false,
        },
      ]);
      expect(w.nodes.requests).toEqual([
        { nodeId: 'n2', op: 'router.capabilities', payload: { tenantId: TENANT, roomId: ROOM } },
      ]);
    });

    it('keeps the node of a participant that joins again while the node lives', async () => {
      const w = world();
      const first = await w.join('alice');
      await w.publish('alice', 'alice-cam');
      const joinedAt = w.state.participants['alice']!.joinedAt;
      w.advance(1_000);

      const again = await w.join('alice');

      expect(again).toMatchObject({
        nodeId: first.nodeId,
        workerIndex: first.workerIndex,
        rejoined: true,
        participants: [],
        producers: [], // its own are not news to it
      });
      expect(w.state.participants['alice']!.joinedAt).toBe(joinedAt);
      expect(keys(w.state.producers)).toEqual(['alice-cam']);
      expect(w.nodes.sent('router.capabilities')).toEqual([
        { nodeId: first.nodeId },
        { nodeId: first.nodeId },
      ]);
    });

    it('places a participant again when its node is gone, dropping what it published there', async () => {
      const w = world();
      await w.join('alice');
      await w.publish('alice', 'alice-cam');
      w.kill('n1');

      const again = await w.join('alice');

      expect(again).toMatchObject({ nodeId: 'n2', rejoined: false });
      expect(w.state.participants['alice']!.nodeId).toBe('n2');
      expect(w.state.producers).toEqual({});
    });

    it.each([
      { refusing: ['n1'], asked: ['n1', 'n2'], placedOn: 'n2' },
      { refusing: ['n1', 'n2'], asked: ['n1', 'n2', 'n3'], placedOn: 'n3' },
      { refusing: ['n2'], asked: ['n1'], placedOn: 'n1' },
    ])(
      'skips nodes that answer NODE_UNAVAILABLE ($refusing) for the next best',
      async ({ refusing, asked, placedOn }) => {
        const w = world();
        for (const nodeId of refusing)
          w.nodes.fail(nodeId, 'router.capabilities', 'NODE_UNAVAILABLE');

        const answer = await w.join('alice');

        expect(answer.nodeId).toBe(placedOn);
        expect(w.state.participants['alice']!.nodeId).toBe(placedOn);
        expect(w.nodes.sent('router.capabilities').map((r) => r.nodeId)).toEqual(asked);
      },
    );

    it('answers CAPACITY_EXHAUSTED when every node refuses, asking each once', async () => {
      const w = world();
      for (const nodeId of ['n1', 'n2', 'n3'])
        w.nodes.fail(nodeId, 'router.capabilities', 'NODE_UNAVAILABLE');

      const error = await rejection(w.join('alice'));

      expect(error.code).toBe('CAPACITY_EXHAUSTED');
      expect(w.nodes.sent('router.capabilities').map((r) => r.nodeId)).toEqual(['n1', 'n2', 'n3']);
      expect(w.state.participants).toEqual({});
    });

    it('fails the join, placing nobody, when the node fails for another reason', async () => {
      const w = world();
      w.nodes.fail('n1', 'router.capabilities', 'INTERNAL');

      const error = await rejection(w.join('alice'));

      expect(error.code).toBe('INTERNAL');
      expect(w.nodes.count('router.capabilities')).toBe(1);
      expect(w.state.participants).toEqual({});
    });
  });

  describe('locate', () => {
    it("answers a participant's placement, and NOT_FOUND for anyone else", () => {
      const w = world();
      w.seat('alice', 'n2', 1);

      expect(w.coordinator.locate(w.state, 'alice')).toMatchObject({
        nodeId: 'n2',
        workerIndex: 1,
      });
      expect(() => w.coordinator.locate(w.state, 'mallory')).toThrow(
        expect.objectContaining({ code: 'NOT_FOUND' }),
      );
    });
  });

  describe('producer.created', () => {
    it('keeps the paused state a producer was created with (a muted microphone)', async () => {
      const w = world();
      w.seat('bob', 'n2');
      await w.event('producer.created', {
        nodeId: 'n2',
        participantId: 'bob',
        producerId: 'mic',
        kind: 'audio',
        source: 'microphone',
        piped: false,
        paused: true,
      });
      expect(w.state.producers['mic']?.paused).toBe(true);
    });

    it("records an original announced by its participant's node", async () => {
      const w = world();
      w.seat('bob', 'n2');

      await w.event('producer.created', {
        nodeId: 'n2',
        participantId: 'bob',
        producerId: 'cam',
        kind: 'audio',
        source: 'microphone',
        piped: false,
        paused: false,
      });

      expect(w.state.producers).toEqual({
        cam: {
          producerId: 'cam',
          participantId: 'bob',
          nodeId: 'n2',
          kind: 'audio',
          source: 'microphone',
          paused: false,
        },
      });
    });

    it.each([
      { what: 'a piped copy', nodeId: 'n1', owner: 'bob', piped: true },
      {
        what: 'a producer on a node its participant is not on',
        nodeId: 'n1',
        owner: 'bob',
        piped: false,
      },
      {
        what: 'a producer of a participant the room does not have',
        nodeId: 'n2',
        owner: 'mallory',
        piped: false,
      },
    ])('ignores $what', async ({ nodeId, owner, piped }) => {
      const w = world();
      w.seat('bob', 'n2');

      await w.event('producer.created', {
        nodeId,
        participantId: owner,
        producerId: 'cam',
        kind: 'video',
        source: 'camera',
        piped,
        paused: false,
      });

      expect(w.state.producers).toEqual({});
    });
  });

  describe('consumer.prepare', () => {
    it("needs no pipe for a producer on the consumer's own node", async () => {
      const w = world();
      w.seat('alice', 'n1');
      w.seat('bob', 'n1');
      await w.publish('bob', 'bob-cam');

      expect(await w.prepare('alice', 'bob-cam')).toEqual({ nodeId: 'n1', piped: false });
      expect(w.nodes.requests).toEqual([]);
      expect(w.state.pipes).toEqual({});
      expect(w.state.piped).toEqual({});
    });

    it("creates and connects the pipe pair, then pipes the producer to the consumer's node", async () => {
      const w = await threeNodeRoom();

      expect(await w.prepare('alice', 'bob-cam')).toEqual({ nodeId: 'n1', piped: true });

      expect(anyOrder(w.nodes.sent('pipe.create'))).toEqual([
        { nodeId: 'n1', peerNodeId: 'n2' },
        { nodeId: 'n2', peerNodeId: 'n1' },
      ]);
      // Each end connects to the address and keys the other end's create answered.
      expect(anyOrder(w.nodes.sent('pipe.connect'))).toEqual([
        { nodeId: 'n1', peerNodeId: 'n2', ...w.nodes.pipeEnds.get('n2>n1') },
        { nodeId: 'n2', peerNodeId: 'n1', ...w.nodes.pipeEnds.get('n1>n2') },
      ]);
      expect(w.nodes.sent('pipe.produceOut')).toEqual([
        { nodeId: 'n2', peerNodeId: 'n1', producerId: 'bob-cam' },
      ]);
      expect(w.nodes.sent('pipe.produceIn')).toEqual([
        {
          nodeId: 'n1',
          peerNodeId: 'n2',
          producerId: 'bob-cam',
          participantId: 'bob',
          kind: 'video',
          source: 'camera',
          rtpParameters: RTP_PARAMETERS,
          paused: false,
        },
      ]);
      expect(Object.values(w.state.pipes)).toEqual([{ a: 'n1', b: 'n2' }]);
      expect(Object.values(w.state.piped)).toEqual([
        { producerId: 'bob-cam', from: 'n2', to: 'n1', consumers: ['alice'] },
      ]);
    });

    it('pipes a producer once per destination node however many participants there prepare it', async () => {
      const w = await threeNodeRoom();
      const onN1 = ['alice', 'p2', 'p3', 'p4', 'p5'];
      for (const id of onN1.slice(1)) w.seat(id, 'n1');

      for (const id of onN1)
        expect(await w.prepare(id, 'bob-cam')).toEqual({ nodeId: 'n1', piped: true });

      expect(w.nodes.count('pipe.create')).toBe(2);
      expect(w.nodes.count('pipe.connect')).toBe(2);
      expect(w.nodes.count('pipe.produceOut')).toBe(1);
      expect(w.nodes.count('pipe.produceIn')).toBe(1);
      expect(w.state.piped['bob-cam>n1']!.consumers).toEqual(onN1);
    });

    it('gives each destination node its own pair and its own copy', async () => {
      const w = await threeNodeRoom();
      await w.prepare('alice', 'bob-cam');

      await w.prepare('carol', 'bob-cam');

      expect(keys(w.state.pipes)).toEqual(['n1~n2', 'n2~n3']);
      expect(keys(w.state.piped)).toEqual(['bob-cam>n1', 'bob-cam>n3']);
      expect(w.nodes.sent('pipe.produceOut')).toEqual([
        { nodeId: 'n2', peerNodeId: 'n1', producerId: 'bob-cam' },
        { nodeId: 'n2', peerNodeId: 'n3', producerId: 'bob-cam' },
      ]);
    });

    it('finds a producer the room has not heard of yet in the room dumps of its nodes', async () => {
      const w = await threeNodeRoom();
      w.nodes.dumps.set('n2', {
        participants: [{ participantId: 'bob' }],
        producers: [
          {
            producerId: 'bob-mic',
            participantId: 'bob',
            kind: 'audio',
            source: 'microphone',
            paused: true,
          },
        ],
        pipes: [],
      });

      expect(await w.prepare('alice', 'bob-mic')).toEqual({ nodeId: 'n1', piped: true });
      expect(w.state.producers['bob-mic']).toEqual({
        producerId: 'bob-mic',
        participantId: 'bob',
        nodeId: 'n2',
        kind: 'audio',
        source: 'microphone',
        paused: true,
      });
      expect(w.nodes.sent('pipe.produceOut')).toEqual([
        { nodeId: 'n2', peerNodeId: 'n1', producerId: 'bob-mic' },
      ]);
    });

    it.each([
      { what: 'no node reports it', producer: undefined },
      {
        what: 'a node reports it only as a piped copy',
        producer: { participantId: 'bob', fromNodeId: 'n3' },
      },
      {
        what: 'its participant is not placed on the reporting node',
        producer: { participantId: 'carol' },
      },
    ])('answers NOT_FOUND for an unknown producer when $what', async ({ producer }) => {
      const w = await threeNodeRoom();
      w.nodes.dumps.set('n2', {
        participants: [{ participantId: 'bob' }],
        producers: producer
          ? [{ producerId: 'ghost', kind: 'video', source: 'camera', paused: false, ...producer }]
          : [],
        pipes: [],
      });

      const error = await rejection(w.prepare('alice', 'ghost'));

      expect(error.code).toBe('NOT_FOUND');
      expect(w.nodes.count('room.dump')).toBeGreaterThan(0);
      expect(w.nodes.count('pipe.create')).toBe(0);
      expect(keys(w.state.producers)).toEqual(['bob-cam']);
    });

    it('answers NOT_FOUND for a participant the room does not have', async () => {
      const w = await threeNodeRoom();

      expect((await rejection(w.prepare('mallory', 'bob-cam'))).code).toBe('NOT_FOUND');
      expect(w.nodes.requests).toEqual([]);
    });

    it.each([
      { op: 'pipe.create' as const, failing: 'n1' },
      { op: 'pipe.create' as const, failing: 'n2' },
      { op: 'pipe.connect' as const, failing: 'n1' },
      { op: 'pipe.connect' as const, failing: 'n2' },
    ])(
      'closes both ends and keeps no pipe when $op fails on $failing; the next prepare starts over',
      async ({ op, failing }) => {
        const w = await threeNodeRoom();
        w.nodes.fail(failing, op, 'INTERNAL');

        expect((await rejection(w.prepare('alice', 'bob-cam'))).code).toBe('INTERNAL');

        expect(anyOrder(w.nodes.sent('pipe.close'))).toEqual([
          { nodeId: 'n1', peerNodeId: 'n2' },
          { nodeId: 'n2', peerNodeId: 'n1' },
        ]);
        expect(w.nodes.count('pipe.produceOut')).toBe(0);
        expect(w.state.pipes).toEqual({});
        expect(w.state.piped).toEqual({});

        w.nodes.recover(failing, op);
        w.nodes.clear();
        expect(await w.prepare('alice', 'bob-cam')).toEqual({ nodeId: 'n1', piped: true });
        expect(w.nodes.count('pipe.create')).toBe(2);
        expect(keys(w.state.pipes)).toEqual(['n1~n2']);
      },
    );
  });

  describe('piped producers nobody consumes', () => {
    /** alice and dave on n1 both consume bob's camera from n2. */
    async function twoConsumers() {
      const w = await threeNodeRoom();
      w.seat('dave', 'n1');
      await w.prepare('alice', 'bob-cam');
      await w.prepare('dave', 'bob-cam');
      w.nodes.clear();
      return w;
    }

    it('keeps a copy while any consumer on its node still uses it', async () => {
      const w = await twoConsumers();

      await w.consumerClosed('alice', 'bob-cam');
      w.advance(LINGER_MS * 2);
      await w.coordinator.sweep(w.state);

      expect(w.state.piped['bob-cam>n1']).toEqual({
        producerId: 'bob-cam',
        from: 'n2',
        to: 'n1',
        consumers: ['dave'],
      });
      expect(w.coordinator.nextSweepAt(w.state)).toBeUndefined();
      expect(w.nodes.requests).toEqual([]);
    });

    it('closes the last unused copy on both ends only after the linger', async () => {
      const w = await twoConsumers();
      await w.consumerClosed('alice', 'bob-cam');
      await w.consumerClosed('dave', 'bob-cam');
      const idleSince = w.now;
      expect(w.coordinator.nextSweepAt(w.state)).toBe(idleSince + LINGER_MS);

      w.advance(LINGER_MS - 1);
      await w.coordinator.sweep(w.state);
      expect(keys(w.state.piped)).toEqual(['bob-cam>n1']);
      expect(w.nodes.requests).toEqual([]);

      w.advance(1);
      await w.coordinator.sweep(w.state);
      expect(w.state.piped).toEqual({});
      expect(anyOrder(w.nodes.sent('pipe.closeProducer'))).toEqual([
        { nodeId: 'n1', peerNodeId: 'n2', producerId: 'bob-cam' },
        { nodeId: 'n2', peerNodeId: 'n1', producerId: 'bob-cam' },
      ]);
      // Both ends still have participants: the pair stays for the next producer.
      expect(keys(w.state.pipes)).toEqual(['n1~n2']);
      expect(w.nodes.count('pipe.close')).toBe(0);
    });

    it('keeps a copy prepared again during the linger', async () => {
      const w = await twoConsumers();
      await w.consumerClosed('alice', 'bob-cam');
      await w.consumerClosed('dave', 'bob-cam');
      w.advance(LINGER_MS - 1);

      await w.prepare('alice', 'bob-cam');
      w.advance(LINGER_MS);
      await w.coordinator.sweep(w.state);

      expect(w.state.piped['bob-cam>n1']).toEqual({
        producerId: 'bob-cam',
        from: 'n2',
        to: 'n1',
        consumers: ['alice'],
      });
      expect(w.nodes.requests).toEqual([]); // no new pipe, no new copy, nothing closed
    });

    it('closes the pair once one end has no participants left', async () => {
      const w = await twoConsumers();
      await w.consumerClosed('alice', 'bob-cam');
      await w.consumerClosed('dave', 'bob-cam');
      w.advance(LINGER_MS);
      await w.coordinator.sweep(w.state);

      await w.coordinator.leave(w.state, 'alice');
      expect(keys(w.state.pipes)).toEqual(['n1~n2']); // dave is still on n1
      await w.coordinator.leave(w.state, 'dave');

      expect(w.state.pipes).toEqual({});
      expect(anyOrder(w.nodes.sent('pipe.close'))).toEqual([
        { nodeId: 'n1', peerNodeId: 'n2' },
        { nodeId: 'n2', peerNodeId: 'n1' },
      ]);
    });

    it('ignores a consumer closing that holds no piped copy', async () => {
      const w = await twoConsumers();

      await w.consumerClosed('bob', 'bob-cam'); // a local consumer on n2
      await w.consumerClosed('carol', 'bob-cam'); // n3 never had a copy

      expect(w.state.piped['bob-cam>n1']!.consumers).toEqual(['alice', 'dave']);
    });
  });

  describe('producer.closed', () => {
    /** bob's camera on n2 is piped to alice on n1 and carol on n3. */
    async function pipedTwice() {
      const w = await threeNodeRoom();
      await w.prepare('alice', 'bob-cam');
      await w.prepare('carol', 'bob-cam');
      w.nodes.clear();
      return w;
    }

    it('closes the copies everywhere when the producer closes at its origin', async () => {
      const w = await pipedTwice();

      await w.event('producer.closed', {
        nodeId: 'n2',
        participantId: 'bob',
        producerId: 'bob-cam',
        reason: 'closed',
      });

      expect(w.state.producers).toEqual({});
      expect(w.state.piped).toEqual({});
      expect(anyOrder(w.nodes.sent('pipe.closeProducer'))).toEqual([
        { nodeId: 'n1', peerNodeId: 'n2', producerId: 'bob-cam' },
        { nodeId: 'n2', peerNodeId: 'n1', producerId: 'bob-cam' },
        { nodeId: 'n2', peerNodeId: 'n3', producerId: 'bob-cam' },
        { nodeId: 'n3', peerNodeId: 'n2', producerId: 'bob-cam' },
      ]);
      expect(keys(w.state.pipes)).toEqual(['n1~n2', 'n2~n3']);
    });

    it('forgets only the copy when a destination reports its copy closed', async () => {
      const w = await pipedTwice();

      await w.event('producer.closed', {
        nodeId: 'n1',
        participantId: 'bob',
        producerId: 'bob-cam',
        reason: 'pipe-closed',
      });

      expect(keys(w.state.producers)).toEqual(['bob-cam']);
      expect(keys(w.state.piped)).toEqual(['bob-cam>n3']);
      expect(w.nodes.requests).toEqual([]);
    });
  });

  describe('producer.paused and producer.resumed', () => {
    async function pipedTwice(paused: boolean) {
      const w = await threeNodeRoom();
      await w.prepare('alice', 'bob-cam');
      await w.prepare('carol', 'bob-cam');
      w.state.producers['bob-cam']!.paused = paused;
      w.nodes.clear();
      return w;
    }

    it.each([
      { type: 'producer.paused' as const, before: false, paused: true },
      { type: 'producer.resumed' as const, before: true, paused: false },
    ])('mirrors $type at the origin onto every copy', async ({ type, before, paused }) => {
      const w = await pipedTwice(before);

      await w.event(type, { nodeId: 'n2', participantId: 'bob', producerId: 'bob-cam' });

      expect(w.state.producers['bob-cam']!.paused).toBe(paused);
      expect(anyOrder(w.nodes.sent('pipe.setProducerPaused'))).toEqual([
        { nodeId: 'n1', peerNodeId: 'n2', producerId: 'bob-cam', paused },
        { nodeId: 'n3', peerNodeId: 'n2', producerId: 'bob-cam', paused },
      ]);
    });

    it.each([
      { type: 'producer.paused' as const, before: false },
      { type: 'producer.resumed' as const, before: true },
    ])('ignores $type reported by a destination (the mirror itself)', async ({ type, before }) => {
      const w = await pipedTwice(before);

      await w.event(type, { nodeId: 'n1', participantId: 'bob', producerId: 'bob-cam' });

      expect(w.state.producers['bob-cam']!.paused).toBe(before);
      expect(w.nodes.requests).toEqual([]);
    });
  });

  describe('leave', () => {
    it('removes the participant from its node once; leaving again changes nothing', async () => {
      const w = world();
      w.seat('alice', 'n1');
      w.seat('bob', 'n1');

      await w.coordinator.leave(w.state, 'alice');
      await w.coordinator.leave(w.state, 'alice');

      expect(w.nodes.requests).toEqual([
        {
          nodeId: 'n1',
          op: 'participant.remove',
          payload: { tenantId: TENANT, roomId: ROOM, participantId: 'alice' },
        },
      ]);
      expect(keys(w.state.participants)).toEqual(['bob']);
    });

    it('closes what the participant published and the pair its node no longer needs', async () => {
      const w = await threeNodeRoom();
      await w.prepare('alice', 'bob-cam');
      w.nodes.clear();

      await w.coordinator.leave(w.state, 'bob');

      expect(w.state.producers).toEqual({});
      expect(w.state.piped).toEqual({});
      expect(w.state.pipes).toEqual({});
      expect(anyOrder(w.nodes.sent('pipe.closeProducer'))).toEqual([
        { nodeId: 'n1', peerNodeId: 'n2', producerId: 'bob-cam' },
        { nodeId: 'n2', peerNodeId: 'n1', producerId: 'bob-cam' },
      ]);
      expect(anyOrder(w.nodes.sent('pipe.close'))).toEqual([
        { nodeId: 'n1', peerNodeId: 'n2' },
        { nodeId: 'n2', peerNodeId: 'n1' },
      ]);
    });

    it('does not call a node that is gone', async () => {
      const w = world();
      w.seat('alice', 'n1');
      w.kill('n1');

      await w.coordinator.leave(w.state, 'alice');

      expect(w.state.participants).toEqual({});
      expect(w.nodes.requests).toEqual([]);
    });
  });

  describe('nodeLost', () => {
    /**
     * alice (n1) publishes alice-cam, bob (n2) bob-cam. alice consumes bob-cam, bob consumes
     * alice-cam, carol (n3) consumes both: pairs n1~n2, n1~n3, n2~n3.
     */
    async function meshedRoom() {
      const w = await threeNodeRoom();
      await w.publish('alice', 'alice-cam');
      await w.prepare('alice', 'bob-cam');
      await w.prepare('bob', 'alice-cam');
      await w.prepare('carol', 'alice-cam');
      await w.prepare('carol', 'bob-cam');
      expect(keys(w.state.pipes)).toEqual(['n1~n2', 'n1~n3', 'n2~n3']);
      w.nodes.clear();
      return w;
    }

    it('tells its participants to reconnect and closes pipes to it on the survivors', async () => {
      const w = await meshedRoom();
      w.kill('n2');

      await w.coordinator.nodeLost(w.state, 'n2');

      expect(w.events).toEqual([
        {
          type: 'participant.reconnectRequired',
          tenantId: TENANT,
          roomId: ROOM,
          participantId: 'bob',
          nodeId: 'n2',
          reason: 'node-lost',
          at: w.now,
        },
      ]);
      expect(anyOrder(w.nodes.sent('pipe.close'))).toEqual([
        { nodeId: 'n1', peerNodeId: 'n2' },
        { nodeId: 'n3', peerNodeId: 'n2' },
      ]);
      expect(w.nodes.requests.filter((r) => r.nodeId === 'n2')).toEqual([]);
      expect(keys(w.state.participants)).toEqual(['alice', 'carol']);
      expect(keys(w.state.producers)).toEqual(['alice-cam']);
      expect(keys(w.state.pipes)).toEqual(['n1~n3']);
      expect(keys(w.state.piped)).toEqual(['alice-cam>n3']);
      for (const copy of Object.values(w.state.piped)) {
        expect(copy.from).not.toBe('n2');
        expect(copy.to).not.toBe('n2');
      }
    });

    it('changes nothing for a node the room does not use', async () => {
      const w = await meshedRoom();
      const before = structuredClone(w.state);

      await w.coordinator.nodeLost(w.state, 'n9');

      expect(w.state).toEqual(before);
      expect(w.events).toEqual([]);
      expect(w.nodes.requests).toEqual([]);
    });
  });

  describe('nodeReturned', () => {
    /**
     * The meshed room (alice n1, bob n2, carol n3, pipes between all three): n2 is cut off from
     * NATS and declared lost, its process lives on with what it had; then it is heard again.
     */
    async function returnedNode() {
      const w = world();
      w.seat('alice', 'n1');
      w.seat('bob', 'n2');
      w.seat('carol', 'n3');
      await w.publish('alice', 'alice-cam');
      await w.publish('bob', 'bob-cam');
      await w.prepare('alice', 'bob-cam');
      await w.prepare('carol', 'alice-cam');
      await w.prepare('carol', 'bob-cam');
      const kept = agreeingDump(w.state, 'n2')!;
      w.kill('n2');
      await w.coordinator.nodeLost(w.state, 'n2');
      w.nodes.dumps.set('n2', kept); // what n2 still holds: bob, and pipes to n1 and n3
      w.nodes.clear();
      w.events.length = 0;
      return { w, kept };
    }

    it('closes on it the participants and pipes the room no longer places there', async () => {
      const { w, kept } = await returnedNode();
      expect(kept.participants).toEqual([{ participantId: 'bob' }]);
      const before = structuredClone(w.state);

      await w.coordinator.nodeReturned(w.state, 'n2');

      expect(w.nodes.sent('participant.remove')).toEqual([{ nodeId: 'n2', participantId: 'bob' }]);
      expect(anyOrder(w.nodes.sent('pipe.close'))).toEqual([
        { nodeId: 'n2', peerNodeId: 'n1' },
        { nodeId: 'n2', peerNodeId: 'n3' },
      ]);
      expect(w.nodes.requests.every((r) => r.nodeId === 'n2')).toBe(true);
      expect(w.state).toEqual(before); // the room's state was right: only the node was not
      expect(w.events).toEqual([]);
    });

    it('keeps whoever the room placed on it since it came back, and its pipes', async () => {
      const { w, kept } = await returnedNode();
      w.seat('erin', 'n2'); // placed on n2 after its return, consuming alice-cam through n1~n2
      await w.prepare('erin', 'alice-cam');
      w.nodes.dumps.set('n2', {
        ...kept,
        participants: [...kept.participants, { participantId: 'erin' }],
      });
      w.nodes.clear();

      await w.coordinator.nodeReturned(w.state, 'n2');

      expect(w.nodes.sent('participant.remove')).toEqual([{ nodeId: 'n2', participantId: 'bob' }]);
      expect(w.nodes.sent('pipe.close')).toEqual([{ nodeId: 'n2', peerNodeId: 'n3' }]);
    });

    it('does nothing when the node no longer has the room', async () => {
      const { w } = await returnedNode();
      w.nodes.dumps.delete('n2');

      await w.coordinator.nodeReturned(w.state, 'n2');

      expect(w.nodes.requests).toEqual([
        expect.objectContaining({ nodeId: 'n2', op: 'room.dump' }),
      ]);
    });
  });

  describe('participantsLost', () => {
    it('tells only the participants of the dead worker on that node to reconnect', async () => {
      const w = await threeNodeRoom();
      w.seat('dave', 'n1');
      await w.publish('alice', 'alice-cam');
      await w.prepare('bob', 'alice-cam');
      w.nodes.clear();

      // bob is listed, but the room has him on n2: not this node's to lose.
      await w.coordinator.participantsLost(w.state, 'n1', ['alice', 'bob']);

      expect(w.events).toEqual([
        expect.objectContaining({
          type: 'participant.reconnectRequired',
          participantId: 'alice',
          nodeId: 'n1',
          reason: 'worker-lost',
        }),
      ]);
      expect(keys(w.state.participants)).toEqual(['bob', 'carol', 'dave']);
      expect(keys(w.state.producers)).toEqual(['bob-cam']);
      expect(w.state.piped).toEqual({});
      expect(anyOrder(w.nodes.sent('pipe.closeProducer'))).toEqual([
        { nodeId: 'n1', peerNodeId: 'n2', producerId: 'alice-cam' },
        { nodeId: 'n2', peerNodeId: 'n1', producerId: 'alice-cam' },
      ]);
      expect(keys(w.state.pipes)).toEqual(['n1~n2']); // dave is still on n1
    });
  });

  describe('reconcile', () => {
    /** alice and dave on n1, bob on n2; alice-cam piped to n2 for bob, bob-cam to n1 for alice. */
    async function reconciledRoom() {
      const w = await threeNodeRoom();
      delete w.state.participants['carol'];
      w.seat('dave', 'n1');
      await w.publish('alice', 'alice-cam');
      await w.prepare('alice', 'bob-cam');
      await w.prepare('bob', 'alice-cam');
      w.nodes.clear();
      return w;
    }

    /** What `nodeId` reports when it agrees with the room, changed by `change`. */
    function report(w: World, nodeId: string, change: (dump: NodeRoomDump) => void) {
      const dump = agreeingDump(w.state, nodeId)!;
      change(dump);
      w.nodes.dumps.set(nodeId, dump);
    }

    it('changes nothing when the nodes agree with the room', async () => {
      const w = await reconciledRoom();
      const before = structuredClone(w.state);

      await w.coordinator.reconcile(w.state);

      expect(w.state).toEqual(before);
      expect(w.events).toEqual([]);
      expect(anyOrder(w.nodes.sent('room.dump'))).toEqual([{ nodeId: 'n1' }, { nodeId: 'n2' }]);
      expect(w.nodes.requests.filter((r) => r.op !== 'room.dump')).toEqual([]);
    });

    it('drops participants a node no longer has and tells them to reconnect', async () => {
      const w = await reconciledRoom();
      report(
        w,
        'n1',
        (d) => (d.participants = d.participants.filter((p) => p.participantId !== 'dave')),
      );

      await w.coordinator.reconcile(w.state);

      expect(keys(w.state.participants)).toEqual(['alice', 'bob']);
      expect(w.events).toEqual([
        expect.objectContaining({ participantId: 'dave', nodeId: 'n1', reason: 'worker-lost' }),
      ]);
    });

    it('drops producers their node no longer has, closing their copies', async () => {
      const w = await reconciledRoom();
      report(w, 'n2', (d) => (d.producers = d.producers.filter((p) => p.producerId !== 'bob-cam')));

      await w.coordinator.reconcile(w.state);

      expect(keys(w.state.producers)).toEqual(['alice-cam']);
      expect(keys(w.state.piped)).toEqual(['alice-cam>n2']);
      expect(anyOrder(w.nodes.sent('pipe.closeProducer'))).toEqual([
        { nodeId: 'n1', peerNodeId: 'n2', producerId: 'bob-cam' },
        { nodeId: 'n2', peerNodeId: 'n1', producerId: 'bob-cam' },
      ]);
    });

    it("adopts producers the room missed, but not piped copies or others' producers", async () => {
      const w = await reconciledRoom();
      const found = { kind: 'video' as const, source: 'screen' as const, paused: true };
      report(w, 'n2', (d) =>
        d.producers.push(
          { producerId: 'bob-screen', participantId: 'bob', ...found },
          { producerId: 'carol-screen', participantId: 'carol', ...found, fromNodeId: 'n3' },
          { producerId: 'alice-screen', participantId: 'alice', ...found },
        ),
      );

      await w.coordinator.reconcile(w.state);

      expect(keys(w.state.producers)).toEqual(['alice-cam', 'bob-cam', 'bob-screen']);
      expect(w.state.producers['bob-screen']).toEqual({
        producerId: 'bob-screen',
        participantId: 'bob',
        nodeId: 'n2',
        kind: 'video',
        source: 'screen',
        paused: true,
      });
    });

    it('forgets a copy its destination no longer has', async () => {
      const w = await reconciledRoom();
      report(w, 'n1', (d) => (d.producers = d.producers.filter((p) => p.producerId !== 'bob-cam')));

      await w.coordinator.reconcile(w.state);

      expect(keys(w.state.piped)).toEqual(['alice-cam>n2']);
      expect(keys(w.state.producers)).toEqual(['alice-cam', 'bob-cam']);
    });

    it('closes a pipe that one end no longer has at the other end', async () => {
      const w = await reconciledRoom();
      report(w, 'n1', (d) => (d.pipes = []));

      await w.coordinator.reconcile(w.state);

      expect(w.nodes.sent('pipe.close')).toEqual([{ nodeId: 'n2', peerNodeId: 'n1' }]);
      expect(w.state.pipes).toEqual({});
      expect(w.state.piped).toEqual({});
      expect(keys(w.state.participants)).toEqual(['alice', 'bob', 'dave']);
    });

    it('treats a node that no longer has the room as having lost everyone on it', async () => {
      const w = await reconciledRoom();
      w.nodes.fail('n1', 'room.dump', 'NOT_FOUND');

      await w.coordinator.reconcile(w.state);

      expect(keys(w.state.participants)).toEqual(['bob']);
      expect(anyOrder(w.events.map((e) => [e.participantId, e.reason]))).toEqual([
        ['alice', 'worker-lost'],
        ['dave', 'worker-lost'],
      ]);
      expect(keys(w.state.producers)).toEqual(['bob-cam']);
    });

    it('treats a node the registry no longer knows as lost', async () => {
      const w = await reconciledRoom();
      w.kill('n2');

      await w.coordinator.reconcile(w.state);

      expect(w.events).toEqual([
        expect.objectContaining({ participantId: 'bob', nodeId: 'n2', reason: 'node-lost' }),
      ]);
      expect(w.nodes.requests.filter((r) => r.nodeId === 'n2')).toEqual([]);
      expect(w.nodes.sent('pipe.close')).toEqual([{ nodeId: 'n1', peerNodeId: 'n2' }]);
      expect(keys(w.state.participants)).toEqual(['alice', 'dave']);
      expect(keys(w.state.producers)).toEqual(['alice-cam']);
      expect(w.state.pipes).toEqual({});
      expect(w.state.piped).toEqual({});
    });
  });

  it("addresses every node request to the room's tenant and room", async () => {
    const w = await threeNodeRoom();
    await w.publish('alice', 'alice-cam');
    await w.prepare('alice', 'bob-cam');
    await w.prepare('carol', 'alice-cam');
    await w.event('producer.paused', { nodeId: 'n2', participantId: 'bob', producerId: 'bob-cam' });
    await w.coordinator.reconcile(w.state);
    await w.coordinator.leave(w.state, 'bob');
    await w.coordinator.nodeLost(w.state, 'n3');

    expect(w.nodes.requests.length).toBeGreaterThan(10);
    for (const { payload } of w.nodes.requests)
      expect(payload).toMatchObject({ tenantId: TENANT, roomId: ROOM });
  });
});
