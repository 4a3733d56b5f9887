import { randomUUID } from 'node:crypto';

import { type OrchestratorRequestOf, type SfuRoomEvent, createSubjects } from '@cascade/contracts';
import { NatsBus } from '@cascade/server-kit';
import { useInfrastructure } from '@cascade/testing';
import type { ClientNats } from '@nestjs/microservices';
import { Redis } from 'ioredis';
import { type NatsConnection, connect } from '@nats-io/transport-node';

import type { RoomCoordinator } from '../src/rooms/room-coordinator';
import { RoomDispatcher } from '../src/rooms/room-dispatcher';
import { RoomLeases } from '../src/rooms/room-leases';
import type { RoomState } from '../src/rooms/room-state';
import { RoomStore } from '../src/rooms/room-store';

/**
 * Two replicas' room dispatchers over a real Redis (leases, room documents) and a real NATS:
 * one leads the room, the other forwards its work to it on the leader's instance subject, as
 * the orchestrator serves it (`NatsBus.serve`). Much of that work has no result (a node's room
 * event, a sweep, a lost node): its forwarded answer must be understood as well as a request's.
 */
const infra = useInfrastructure({ redis: true, nats: true });
let redis: Redis;
let nc: NatsConnection;
let bus: NatsBus;
let leader: Replica;
let follower: Replica;

interface Replica {
  dispatcher: RoomDispatcher;
  /** What the replica's coordinator was asked to do. */
  seen: string[];
}

/** A coordinator that records its work and decides what the real one would, minimally. */
function coordinator(seen: string[]): RoomCoordinator {
  return {
    join: async (state: RoomState, r: OrchestratorRequestOf<'participant.join'>) => {
      seen.push(`join ${r.participantId}`);
      state.participants[r.participantId] = {
        participantId: r.participantId,
        nodeId: 'n1',
        workerIndex: 0,
        joinedAt: 1_700_000_000_000,
      };
      return { nodeId: 'n1', workerIndex: 0, participants: [], producers: [], rejoined: false };
    },
    locate: (state: RoomState, participantId: string) => {
      seen.push(`locate ${participantId}`);
      return state.participants[participantId];
    },
    onNodeEvent: async (_state: RoomState, event: SfuRoomEvent) => {
      seen.push(`event ${event.type}`);
    },
    sweep: async () => {
      seen.push('sweep');
    },
    nodeLost: async (_state: RoomState, nodeId: string) => {
      seen.push(`node-lost ${nodeId}`);
    },
    nextSweepAt: () => undefined,
  } as unknown as RoomCoordinator;
}

function replica(instanceId: string): Replica {
  const seen: string[] = [];
  const subjects = createSubjects(infra().env['NATS_SUBJECT_PREFIX']!);
  const dispatcher = new RoomDispatcher(
    new RoomStore(redis),
    new RoomLeases(redis, instanceId, 60_000),
    coordinator(seen),
    () => nc,
    subjects,
    5_000,
  );
  bus.serve(subjects.orchestratorInstance(instanceId), (body) => dispatcher.forwarded(body));
  return { dispatcher, seen };
}

beforeAll(async () => {
  redis = new Redis(infra().env['REDIS_URL']!, { keyPrefix: infra().env['REDIS_KEY_PREFIX'] });
  nc = await connect({ servers: infra().env['NATS_URL']! });
  bus = new NatsBus({ connect: () => Promise.resolve(nc) } as unknown as ClientNats);
  leader = replica(`lead-${randomUUID()}`);
  follower = replica(`follow-${randomUUID()}`);
  await bus.connected();
  await nc.flush(); // both instance subscriptions are in place
});

afterAll(async () => {
  leader?.dispatcher.close();
  follower?.dispatcher.close();
  await bus?.drain();
  await nc?.close();
  redis?.disconnect();
});

/** A room the leader leads, with one participant placed. */
async function ledRoom() {
  const room = { tenantId: 'acme', roomId: `room-${randomUUID()}` };
  await leader.dispatcher.run(room.tenantId, room.roomId, {
    work: 'request',
    request: { op: 'participant.join', ...room, participantId: 'p1' },
  });
  return room;
}

describe('work forwarded to the replica that leads the room', () => {
  it('answers the follower a request’s result', async () => {
    const { tenantId, roomId } = await ledRoom();
    const located = await follower.dispatcher.run(tenantId, roomId, {
      work: 'request',
      request: { op: 'participant.locate', tenantId, roomId, participantId: 'p1' },
    });
    expect(located).toMatchObject({ participantId: 'p1', nodeId: 'n1' });
    expect(leader.seen).toContain('locate p1');
    expect(follower.seen).toEqual([]);
  });

  it.each([
    [
      'a node’s room event',
      (tenantId: string, roomId: string) => ({
        work: 'room-event' as const,
        event: {
          type: 'producer.paused' as const,
          tenantId,
          roomId,
          nodeId: 'n1',
          participantId: 'p1',
          producerId: randomUUID(),
          at: 1_700_000_000_000,
        },
      }),
      'event producer.paused',
    ],
    ['a sweep', () => ({ work: 'sweep' as const }), 'sweep'],
    ['a lost node', () => ({ work: 'node-lost' as const, nodeId: 'n1' }), 'node-lost n1'],
  ])(
    'resolves the follower’s %s, which has no result, once the leader did it',
    async (_what, work, done) => {
      const { tenantId, roomId } = await ledRoom();
      await expect(
        follower.dispatcher.run(tenantId, roomId, work(tenantId, roomId)),
      ).resolves.toBeUndefined();
      expect(leader.seen).toContain(done);
      expect(follower.seen).toEqual([]);
    },
  );
});
