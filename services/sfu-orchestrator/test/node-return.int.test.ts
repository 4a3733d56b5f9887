import { CascadeError } from '@cascade/contracts';
import { TcpProxy, eventually } from '@cascade/testing';

import { type RunningNode, useOrchestratorCluster } from './support/cluster';

/**
 * An sfu-node cut off from NATS alone, its process alive: the orchestrator declares it lost and
 * takes its participants out of their rooms (they reconnect and are placed again), while the
 * node keeps their rooms, transports and pipes. When its NATS comes back, the orchestrator hears
 * it again and has it close what the rooms no longer place there. Real NATS (the node's own
 * connection through the harness's TCP proxy, in blackhole mode: a silent partition), Redis, a
 * real sfu-node process and orchestrator.
 */
const cluster = useOrchestratorCluster();
const TENANT = 'acme';
const ROOM = 'partitioned';
let proxy: TcpProxy;
let node: RunningNode;

beforeAll(async () => {
  const nats = new URL(cluster.env['NATS_URL']!);
  proxy = await TcpProxy.start(nats.hostname, Number(nats.port || 4222));
  // The room would close once empty of transports; here it must stay to be seen.
  node = await cluster.spawnNode('r1', {
    NATS_URL: proxy.rewrite(cluster.env['NATS_URL']!),
    SFU_ROOM_LINGER_MS: '600000',
  });
  await cluster.spawnOrchestrator();
  await cluster.waitForNodes(['r1']);
}, 90_000);

afterAll(async () => {
  await proxy?.stop();
});

const seat = (participantId: string) => ({ tenantId: TENANT, roomId: ROOM, participantId });

/** The participants the node holds in the room (none when it has not the room). */
async function onNode(): Promise<string[]> {
  try {
    const dump = await node.client.request('room.dump', { tenantId: TENANT, roomId: ROOM });
    return dump.participants.map((p) => p.participantId).sort();
  } catch (error) {
    if (error instanceof CascadeError && error.code === 'NOT_FOUND') return [];
    throw error;
  }
}

async function listed(): Promise<string[]> {
  return (await cluster.admin({ op: 'nodes.list' })).nodes.map((n) => n.nodeId);
}

describe('a node declared lost whose process lived on', () => {
  it('closes, once it is heard again, what the rooms no longer place on it', async () => {
    for (const id of ['p1', 'p2']) {
      expect(await cluster.request('participant.join', seat(id))).toMatchObject({ nodeId: 'r1' });
      await node.client.request('transport.createWebRtc', { ...seat(id), direction: 'send' });
    }
    expect(await onNode()).toEqual(['p1', 'p2']);

    proxy.blackhole(); // the node's NATS only: the process, its workers and transports live on
    await eventually('the orchestrator to declare r1 lost', listed, (ids) => !ids.includes('r1'), {
      timeoutMs: 20_000,
    });
    // The room no longer has them there (their clients were told to reconnect)…
    await expect(cluster.request('participant.locate', seat('p1'))).rejects.toMatchObject({
      code: 'NOT_FOUND',
    });

    await proxy.restore();
    await eventually('r1 to be heard again', listed, (ids) => ids.includes('r1'), {
      timeoutMs: 20_000,
    });
    // …so the node lets them go too, instead of keeping their transports for ever.
    await eventually('r1 to close what it kept', onNode, (ids) => ids.length === 0, {
      timeoutMs: 15_000,
    });

    // And the node serves the room again: a new participant is placed there and stays.
    expect(await cluster.request('participant.join', seat('p3'))).toMatchObject({ nodeId: 'r1' });
    await node.client.request('transport.createWebRtc', { ...seat('p3'), direction: 'send' });
    expect(await onNode()).toEqual(['p3']);
  });
});
