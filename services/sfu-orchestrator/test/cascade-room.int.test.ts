import { execFile } from 'node:child_process';
import { join as joinPath } from 'node:path';
import { promisify } from 'node:util';

import { SfuNodeClient } from '@cascade/sfu-client';
import { type ReceivedMedia, SfuParticipant, eventually } from '@cascade/testing';

import { useOrchestratorCluster } from './support/cluster';

/**
 * The orchestrator with everything real: NATS, Redis, three sfu-node processes sized tiny (so a
 * room of six spans nodes), and Node WebRTC clients (libwebrtc + stock mediasoup-client) that
 * publish a camera and a microphone and decode what they receive. The steps build on each
 * other: a room spread over nodes, a node killed, the orchestrator restarted, a node drained.
 */
const execFileAsync = promisify(execFile);
const cluster = useOrchestratorCluster();
const TENANT = 'acme';
const ROOM = 'all-hands';
const MEDIA = {
  video: { width: 160, height: 120, fps: 10 },
  audio: { frequencyHz: 440, sampleRate: 48_000 },
};
// Small nodes, and a room that spills over once a node is a third full, so that six clients
// spread over nodes while every node keeps room for the failover and drain steps.
const NODE_ENV = { SFU_MAX_STREAMS: '100' };
const ORCHESTRATOR_ENV = { ORCH_STICKY_THRESHOLD: '0.3' };

interface Member {
  id: string;
  nodeId: string;
  participant: SfuParticipant;
  producerIds: string[];
  consumed: Set<string>;
}

const members = new Map<string, Member>();

async function join(id: string): Promise<Member> {
  const seat = { tenantId: TENANT, roomId: ROOM, participantId: id };
  const placed = await cluster.request('participant.join', seat);
  const node = new SfuNodeClient(cluster.nc, cluster.subjects, placed.nodeId, {
    timeoutMs: 8_000,
  });
  const participant = await SfuParticipant.join(node, seat, {
    workerIndex: placed.workerIndex,
    beforeConsume: async (producerId) => {
      await cluster.request('consumer.prepare', { ...seat, producerId });
    },
  });
  const { producerIds } = await participant.publish(MEDIA);
  const member = {
    id,
    nodeId: placed.nodeId,
    participant,
    producerIds,
    consumed: new Set<string>(),
  };
  members.set(id, member);
  return member;
}

/** Everyone consumes every producer of everyone else that it does not consume yet. */
async function mesh(): Promise<void> {
  for (const member of members.values()) {
    const wanted = [...members.values()]
      .filter((other) => other.id !== member.id)
      .flatMap((other) => other.producerIds)
      .filter((p) => !member.consumed.has(p));
    if (wanted.length === 0) continue;
    await member.participant.subscribe(wanted);
    for (const p of wanted) member.consumed.add(p);
  }
}

async function received(): Promise<Map<string, ReceivedMedia>> {
  const all = await Promise.all(
    [...members.values()].map(async (m) => [m.id, await m.participant.browser.received()] as const),
  );
  return new Map(all);
}

/** Every member decodes `frames` more video frames and audio chunks from every other member. */
async function everyoneDecodesEveryone(what: string, frames = 10): Promise<void> {
  const start = await received();
  await eventually(
    `${what}: every member decodes every other member's camera and microphone`,
    async () => {
      const now = await received();
      const missing: string[] = [];
      for (const member of members.values()) {
        for (const other of members.values()) {
          if (other.id === member.id) continue;
          for (const producerId of other.producerIds) {
            const before = start.get(member.id)?.byProducer[producerId]?.decoded ?? 0;
            const after = now.get(member.id)?.byProducer[producerId]?.decoded ?? 0;
            if (after - before < frames)
              missing.push(`${member.id}<-${other.id}:${after - before}`);
          }
        }
      }
      return missing;
    },
    (missing) => missing.length === 0,
    { timeoutMs: 30_000, intervalMs: 500 },
  );
}

async function room() {
  return cluster.admin({ op: 'room.get', tenantId: TENANT, roomId: ROOM });
}

afterAll(async () => {
  await Promise.all([...members.values()].map((m) => m.participant.close()));
});

beforeAll(async () => {
  await Promise.all(['n1', 'n2', 'n3'].map((id) => cluster.spawnNode(id, NODE_ENV)));
  await cluster.spawnOrchestrator(ORCHESTRATOR_ENV);
  await cluster.waitForNodes(['n1', 'n2', 'n3']);
}, 90_000);

describe('a room of six Node WebRTC clients across tiny SFU nodes', () => {
  it('spans at least two nodes and everyone decodes everyone', async () => {
    for (const id of ['p1', 'p2', 'p3', 'p4', 'p5', 'p6']) {
      await join(id);
      await mesh();
      // Let a heartbeat carry the new streams, as joins spaced by people would.
      await new Promise((r) => setTimeout(r, 400));
    }
    const view = await room();
    const used = new Set(view.participants.map((p) => p.nodeId));
    expect(used.size).toBeGreaterThanOrEqual(2);
    expect(view.pipes.length).toBeGreaterThanOrEqual(1);
    // A producer is piped once per destination node, whatever number of consumers there.
    for (const pipe of view.pipes) {
      const keys = pipe.producers.map((p) => `${p.producerId}>${p.to}`);
      expect(new Set(keys).size).toBe(keys.length);
    }
    await everyoneDecodesEveryone('six clients over several nodes');
  });

  it('mirrors a pause of a piped producer on the other nodes', async () => {
    const view = await room();
    const piped = view.pipes.flatMap((p) => p.producers)[0]!;
    const producer = view.producers.find((p) => p.producerId === piped.producerId)!;
    const owner = cluster.nodes.get(producer.nodeId)!.client;
    const seat = { tenantId: TENANT, roomId: ROOM, participantId: producer.participantId };
    await owner.request('producer.pause', { ...seat, producerId: producer.producerId });
    const onPeer = cluster.nodes.get(piped.to)!.client;
    await eventually(
      'the piped copy to be paused on the destination node',
      () => onPeer.request('room.dump', { tenantId: TENANT, roomId: ROOM }),
      (dump) => dump.producers.some((p) => p.producerId === producer.producerId && p.paused),
    );
    await owner.request('producer.resume', { ...seat, producerId: producer.producerId });
    await eventually(
      'the piped copy to be resumed',
      () => onPeer.request('room.dump', { tenantId: TENANT, roomId: ROOM }),
      (dump) => dump.producers.some((p) => p.producerId === producer.producerId && !p.paused),
    );
  });

  it('survives kill -9 of a node: its clients reconnect and everyone decodes everyone again', async () => {
    const view = await room();
    const counts = new Map<string, number>();
    for (const p of view.participants) counts.set(p.nodeId, (counts.get(p.nodeId) ?? 0) + 1);
    // The node with the fewest participants, so the survivors keep a room spread over nodes.
    const [victim] = [...counts.entries()].sort((a, b) => a[1] - b[1])[0]!;
    const lost = view.participants.filter((p) => p.nodeId === victim).map((p) => p.participantId);
    const eventsBefore = cluster.roomEvents.length;

    await cluster.nodes.get(victim)!.process.kill();
    cluster.nodes.delete(victim);

    await eventually(
      'every participant of the dead node to be told to reconnect',
      () =>
        cluster.roomEvents
          .slice(eventsBefore)
          .filter((e) => e.type === 'participant.reconnectRequired' && e.nodeId === victim)
          .map((e) => e.participantId)
          .sort(),
      (told) => told.join(',') === [...lost].sort().join(','),
    );
    // Survivors stop consuming the lost producers; the lost clients start over on live nodes.
    for (const id of lost) {
      const gone = members.get(id)!;
      members.delete(id);
      await gone.participant.close();
    }
    for (const id of lost) await join(id);
    await mesh();
    const after = await room();
    expect(after.participants.map((p) => p.nodeId)).not.toContain(victim);
    expect(after.pipes.flatMap((p) => p.nodes)).not.toContain(victim);
    for (const node of cluster.nodes.values()) {
      const dump = await node.client.request('room.dump', { tenantId: TENANT, roomId: ROOM });
      const peers = dump.pipes.map((p) => p.peerNodeId);
      expect(peers).not.toContain(victim);
    }
    await everyoneDecodesEveryone('after the node loss');
  });

  it('keeps media flowing through an orchestrator restart and places new joins with two replicas', async () => {
    const old = cluster.orchestrators.pop()!;
    await old.kill();
    await everyoneDecodesEveryone('with no orchestrator running', 5);
    // Two replicas come back: each room is led by one of them, the other forwards to it.
    await Promise.all([
      cluster.spawnOrchestrator(ORCHESTRATOR_ENV),
      cluster.spawnOrchestrator(ORCHESTRATOR_ENV),
    ]);
    await cluster.waitForNodes([...cluster.nodes.keys()]);

    const live = new Set(cluster.nodes.keys());
    const newcomer = await join('p7');
    expect(live.has(newcomer.nodeId)).toBe(true);
    await mesh();
    await everyoneDecodesEveryone('after the restart, with a newcomer');
    const view = await room();
    expect(view.participants).toHaveLength(members.size);
  });

  it('places nobody on a draining node, and places there again after undrain', async () => {
    const view = await room();
    const counts = new Map<string, number>();
    for (const p of view.participants) counts.set(p.nodeId, (counts.get(p.nodeId) ?? 0) + 1);
    const [busiest] = [...counts.entries()].sort((a, b) => b[1] - a[1])[0]!;
    const drained = await cluster.admin({ op: 'node.drain', nodeId: busiest });
    expect(drained.state).toBe('draining');

    const placed = [];
    for (let i = 0; i < 4; i++) {
      placed.push(
        await cluster.request('participant.join', {
          tenantId: TENANT,
          roomId: `drain-check-${i}`,
          participantId: `d${i}`,
        }),
      );
    }
    expect(placed.map((p) => p.nodeId)).not.toContain(busiest);
    // Two replicas answer: the one that took the drain knows at once, the other from the node's
    // next heartbeat (each second), so both views are read until they say so.
    await eventually(
      'the drained node listed as draining',
      async () =>
        (await cluster.admin({ op: 'nodes.list' })).nodes.find((n) => n.nodeId === busiest)?.state,
      (state) => state === 'draining',
      { timeoutMs: 10_000 },
    );
    // The operator's view, through the command-line tool.
    const stdout = await eventually(
      'cascade-admin nodes showing the drained node as draining',
      async () =>
        (
          await execFileAsync(
            process.execPath,
            [joinPath(__dirname, '../dist/cli/cascade-admin.js'), 'nodes'],
            { env: { PATH: process.env['PATH'], ...cluster.env } },
          )
        ).stdout,
      (out) =>
        /\bdraining\b/.test(out.split('\n').find((line) => line.startsWith(`${busiest} `)) ?? ''),
      { timeoutMs: 10_000 },
    );
    expect(stdout).toMatch(/^NODE\s+REGION\s+STATE\s+LOAD/);
    for (let i = 0; i < 4; i++) {
      await cluster.request('participant.leave', {
        tenantId: TENANT,
        roomId: `drain-check-${i}`,
        participantId: `d${i}`,
      });
    }
    const undrained = await cluster.admin({ op: 'node.undrain', nodeId: busiest });
    expect(undrained.state).toBe('serving');
  });

  it('closes piped copies and pipe pairs once nobody on the far node needs them', async () => {
    const view = await room();
    const pair = view.pipes[0]!;
    const [x, y] = pair.nodes;
    // Everyone on the less populated end of the pair leaves.
    const on = (n: string) => view.participants.filter((p) => p.nodeId === n);
    const leaving = on(x).length <= on(y).length ? on(x) : on(y);
    for (const p of leaving) {
      await cluster.request('participant.leave', {
        tenantId: TENANT,
        roomId: ROOM,
        participantId: p.participantId,
      });
      const gone = members.get(p.participantId)!;
      members.delete(p.participantId);
      await gone.participant.close();
    }
    await eventually(
      'the pipe pair to close',
      room,
      (after) => !after.pipes.some((p) => p.nodes.join() === pair.nodes.join()),
    );
    for (const id of pair.nodes) {
      const node = cluster.nodes.get(id)!;
      const dump = await node.client
        .request('room.dump', { tenantId: TENANT, roomId: ROOM })
        .catch(() => undefined); // the room may be gone from the node altogether
      const peers = (dump?.pipes ?? []).map((p) => p.peerNodeId);
      expect(peers).not.toContain(id === x ? y : x);
    }
  });
});
