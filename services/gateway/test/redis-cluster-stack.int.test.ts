import type { JoinResult } from '@cascade/contracts';

import {
  SignalingClient,
  fakeDtlsParameters,
  useCascadeStack,
  vp8RtpParameters,
} from './support/stack';

/**
 * The whole signaling path on a real Redis Cluster: two gateways, the orchestrator and the rooms
 * service started as processes with `REDIS_MODE=cluster` and the seeds of a three-master cluster
 * of the stack's own (services/gateway/test/redis-cluster.int.test.ts runs the stores alone).
 * Participants on different gateways hear of each other's joins, media and leaves through the
 * sharded Socket.IO adapter; a dropped session is taken back on the other gateway from the
 * session store; the orchestrator places and tears down the room from its state in the cluster.
 */
const stack = useCascadeStack({ gateways: 2, sfuNodes: 1, redisCluster: true });
const TENANT = 'acme';
const clients: SignalingClient[] = [];

afterAll(() => {
  for (const c of clients.splice(0)) c.close();
});

async function joined(gateway: number, room: string, user: string) {
  const client = await stack.connect(gateway, { tenant: TENANT, user, room });
  clients.push(client);
  const join = await client.call('room.join', {});
  return { client, join };
}

async function resumeOn(gateway: number, join: Pick<JoinResult, 'resumeToken'>) {
  const client = await SignalingClient.connect(stack.gatewayUrls[gateway]!, {
    resumeToken: join.resumeToken,
  });
  clients.push(client);
  return client;
}

describe('Cascade on a Redis Cluster', () => {
  it('runs every Redis service on the cluster', () => {
    expect(stack.redisCluster?.env).toMatchObject({
      REDIS_MODE: 'cluster',
      REDIS_URL: stack.redisCluster?.urls.join(','),
    });
  });

  it('carries a call across two gateways: joins, media, a resume on the other gateway, a leave', async () => {
    const room = await stack.createRoom(TENANT, 'u_owner');
    const alice = await joined(0, room.id, 'u_alice');
    const bob = await joined(1, room.id, 'u_bob');
    expect(bob.join.participants).toEqual([
      expect.objectContaining({ participantId: alice.join.participantId }),
    ]);
    await alice.client.waitFor(
      'participant.joined',
      (p) => p.participantId === bob.join.participantId,
    );

    const transport = await alice.client.call('transport.create', { direction: 'send' });
    await alice.client.call('transport.connect', {
      transportId: transport.transportId,
      dtlsParameters: fakeDtlsParameters(),
    });
    const { producerId } = await alice.client.call('producer.create', {
      transportId: transport.transportId,
      kind: 'video',
      source: 'camera',
      rtpParameters: vp8RtpParameters(),
    });
    await bob.client.waitFor('producer.added', (p) => p.producerId === producerId);

    // Alice's socket drops; she comes back on the other gateway with her resume token.
    alice.client.close();
    const back = await resumeOn(1, alice.join);
    const resumed = await back.call('session.resume', {});
    expect(resumed).toMatchObject({
      participantId: alice.join.participantId,
      producerIds: [producerId],
      participants: [expect.objectContaining({ participantId: bob.join.participantId })],
    });

    await bob.client.call('room.leave', {});
    await back.waitFor('participant.left', (p) => p.participantId === bob.join.participantId);
    expect(bob.client.received('participant.left')).toEqual([]);
    expect((await back.call('participant.list', {})).participants.map((p) => p.userId)).toEqual([
      'u_alice',
    ]);
    // No service met a key on the wrong shard, or keys of one step on several.
    for (const p of [...stack.gateways, stack.orchestrator!, stack.rooms!])
      expect({ service: p.service, output: p.output }).toEqual({
        service: p.service,
        output: expect.not.stringMatching(/MOVED|CROSSSLOT|CLUSTERDOWN|same slots/),
      });
  });
});
