import type { JoinResult } from '@cascade/contracts';
import { OrchestratorClient } from '@cascade/sfu-client';

import {
  SignalingClient,
  fakeDtlsParameters,
  useCascadeStack,
  vp8RtpParameters,
} from './support/stack';

/**
 * Session resume at the signaling level, across two gateway instances: a socket drops (a
 * client-side disconnect without room.leave is a drop for the server), the client reconnects to
 * the other instance with its resume token, and the room never sees it leave; past the grace
 * period (3 s here) the session ends and the room is told once. Last, an SFU node dies: its
 * participants are asked to join again and keep their place in the room.
 */
const GRACE_MS = 3_000;
const stack = useCascadeStack({ gateways: 2, sfuNodes: 2, resumeGraceMs: GRACE_MS });
const TENANT = 'acme';
const clients: SignalingClient[] = [];

afterEach(() => {
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

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('session resume', () => {
  it('takes a dropped session back on the other instance: same participant, media kept, no leave seen', async () => {
    const room = await stack.createRoom(TENANT, 'u_owner');
    const alice = await joined(0, room.id, 'u_alice');
    const bob = await joined(0, room.id, 'u_bob');
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

    alice.client.close();
    await sleep(300);
    const back = await resumeOn(1, alice.join);
    const resumed = await back.call('session.resume', {});
    expect(resumed).toMatchObject({
      tenantId: TENANT,
      roomId: room.id,
      participantId: alice.join.participantId,
      userId: 'u_alice',
      transports: [{ transportId: transport.transportId, direction: 'send' }],
      producerIds: [producerId],
      consumerIds: [],
      participants: [expect.objectContaining({ participantId: bob.join.participantId })],
    });
    expect(resumed.resumeToken).not.toBe(alice.join.resumeToken);
    // The client restarts ICE on its transports itself.
    const { iceParameters } = await back.call('transport.restartIce', {
      transportId: transport.transportId,
    });
    expect(iceParameters.usernameFragment).not.toBe(transport.iceParameters.usernameFragment);

    // The resumed socket is in the room again: it hears the others.
    await bob.client.call('chat.send', { text: 'still there?' });
    await back.waitFor('chat.message');

    // Past the grace period of the drop, nothing ended it.
    await sleep(GRACE_MS + 1_000);
    expect(bob.client.received('participant.left')).toEqual([]);
    expect(bob.client.received('producer.closed')).toEqual([]);
    expect((await bob.client.call('participant.list', {})).participants).toHaveLength(2);

    // A second drop, not resumed: the session ends after the grace period, announced once.
    back.close();
    const left = await bob.client.waitFor('participant.left', undefined, GRACE_MS + 5_000);
    expect(left).toEqual({ participantId: alice.join.participantId, reason: 'disconnected' });
    await sleep(1_500);
    expect(bob.client.received('participant.left')).toHaveLength(1);
    expect(bob.client.received('producer.closed')).toEqual([
      { producerId, participantId: alice.join.participantId },
    ]);
    expect((await bob.client.call('participant.list', {})).participants).toHaveLength(1);

    // Its resume token is worthless now.
    const refusal = await SignalingClient.refusal(stack.gatewayUrls[0]!, {
      resumeToken: resumed.resumeToken,
    });
    expect(refusal.code).toBe('NOT_FOUND');
  }, 30_000);

  it('replaces a socket that still holds the session: the old one is told and disconnected', async () => {
    const room = await stack.createRoom(TENANT, 'u_owner');
    const alice = await joined(0, room.id, 'u_alice');
    const bob = await joined(1, room.id, 'u_bob');
    const oldGone = alice.client.disconnected();

    const back = await resumeOn(1, alice.join);
    expect(await alice.client.waitFor('session.removed')).toEqual({ reason: 'replaced' });
    await oldGone;
    const resumed = await back.call('session.resume', {});
    expect(resumed.participantId).toBe(alice.join.participantId);

    await sleep(GRACE_MS + 1_000);
    expect(bob.client.received('participant.left')).toEqual([]);
    await bob.client.call('chat.send', { text: 'hi' });
    await back.waitFor('chat.message');
  }, 20_000);

  it('refuses the resume token of a session that left', async () => {
    const room = await stack.createRoom(TENANT, 'u_owner');
    const alice = await joined(1, room.id, 'u_alice');
    await alice.client.call('room.leave', {});
    const refusal = await SignalingClient.refusal(stack.gatewayUrls[0]!, {
      resumeToken: alice.join.resumeToken,
    });
    expect(refusal).toMatchObject({ code: 'NOT_FOUND', message: expect.stringMatching(/expired/) });
  });

  it('answers session.resume on a socket that holds no session with CONFLICT', async () => {
    const room = await stack.createRoom(TENANT, 'u_owner');
    const client = await stack.connect(0, { tenant: TENANT, user: 'u_new', room: room.id });
    clients.push(client);
    expect(await client.request('session.resume', {})).toMatchObject({
      ok: false,
      error: { code: 'CONFLICT' },
    });
  });

  // Kills an SFU node: keep this test last.
  it('asks a participant whose SFU node died to join again: placed anew, the room sees its media go but not itself', async () => {
    const room = await stack.createRoom(TENANT, 'u_owner');
    const alice = await joined(0, room.id, 'u_alice');
    const bob = await joined(1, room.id, 'u_bob');
    const send = await alice.client.call('transport.create', { direction: 'send' });
    const { producerId } = await alice.client.call('producer.create', {
      transportId: send.transportId,
      kind: 'video',
      source: 'camera',
      rtpParameters: vp8RtpParameters(),
    });
    const orchestrator = new OrchestratorClient(stack.nc, stack.subjects);
    const view = await orchestrator.admin({ op: 'room.get', tenantId: TENANT, roomId: room.id });
    const aliceNode = view.participants.find(
      (p) => p.participantId === alice.join.participantId,
    )!.nodeId;
    await stack.sfuNodes[Number(aliceNode.slice(1)) - 1]!.kill();

    expect(await alice.client.waitFor('session.reconnectRequired', undefined, 15_000)).toEqual({
      reason: 'node-lost',
    });
    await bob.client.waitFor('producer.closed', (p) => p.producerId === producerId);
    const again = await alice.client.call('room.join', {});
    expect(again.participantId).toBe(alice.join.participantId);
    expect(again.participants.map((p) => p.participantId)).toEqual([bob.join.participantId]);
    // Its new transports live on the node that is left.
    const transport = await alice.client.call('transport.create', { direction: 'send' });
    const placed = await orchestrator.admin({ op: 'room.get', tenantId: TENANT, roomId: room.id });
    const now = placed.participants.find((p) => p.participantId === alice.join.participantId)!;
    expect(now.nodeId).not.toBe(aliceNode);
    expect(transport.transportId).not.toBe(send.transportId);

    await sleep(500);
    expect(bob.client.received('participant.left')).toEqual([]);
    expect(bob.client.received('participant.joined')).toEqual([]);
    expect(bob.client.received('producer.closed')).toHaveLength(1);
  }, 40_000);

  // Stops gateway instance 0: keep this test last.
  it('lets the clients of a gateway instance that shuts down resume on the other', async () => {
    const room = await stack.createRoom(TENANT, 'u_owner');
    const alice = await joined(0, room.id, 'u_alice');
    const bob = await joined(1, room.id, 'u_bob');
    const dropped = alice.client.disconnected();
    const stopped = await stack.gateways[0]!.signal('SIGTERM');
    expect(stopped).toMatchObject({ code: 0, signal: null });
    await dropped;
    // It recorded the drop before it let go of Redis: the session waits for its resume.
    expect(stack.gateways[0]!.logs).toContainEqual(
      expect.objectContaining({ msg: 'socket dropped', participantId: alice.join.participantId }),
    );

    const back = await resumeOn(1, alice.join);
    const resumed = await back.call('session.resume', {});
    expect(resumed.participantId).toBe(alice.join.participantId);
    await sleep(GRACE_MS + 1_000);
    expect(bob.client.received('participant.left')).toEqual([]);
  }, 20_000);
});
