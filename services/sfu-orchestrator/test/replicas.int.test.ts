import { Redis } from 'ioredis';

import { useOrchestratorCluster } from './support/cluster';

/**
 * Two orchestrator replicas over one Redis and two real sfu-nodes: one replica leads a room (a
 * lease in Redis), the other forwards to it. When the leader dies, the survivor takes the room
 * over from the stored document, with everything the leader had placed.
 */
const cluster = useOrchestratorCluster();
const TENANT = 'acme';
const ROOM = 'failover';
// No WebRTC clients here: the nodes' rooms must not close for want of transports meanwhile.
const NODE_ENV = { SFU_ROOM_LINGER_MS: '600000' };
// A lease that outlives the test: the dead leader's lease never expires by itself here, so only
// a take-over can move the room to the survivor.
const ORCHESTRATOR_ENV = { ORCH_ROOM_LEASE_MS: '600000' };
let redis: Redis;

beforeAll(async () => {
  await Promise.all(['r1', 'r2'].map((id) => cluster.spawnNode(id, NODE_ENV)));
  await Promise.all([
    cluster.spawnOrchestrator(ORCHESTRATOR_ENV),
    cluster.spawnOrchestrator(ORCHESTRATOR_ENV),
  ]);
  await cluster.waitForNodes(['r1', 'r2']);
  redis = new Redis(cluster.env['REDIS_URL']!, { keyPrefix: cluster.env['REDIS_KEY_PREFIX'] });
}, 90_000);

afterAll(() => redis?.disconnect());

const seat = (participantId: string) => ({ tenantId: TENANT, roomId: ROOM, participantId });
const byId = <T extends { participantId: string }>(list: T[]) =>
  [...list].sort((a, b) => a.participantId.localeCompare(b.participantId));

/** The replica whose id holds the room's lease (each logs its id when it starts listening). */
async function leaderOf(roomKey: string) {
  const owner = await redis.get(`orch:lease:${roomKey}`);
  const leading = cluster.orchestrators.filter((o) => owner && o.output.includes(owner));
  expect(leading).toHaveLength(1);
  return { owner: owner!, process: leading[0]! };
}

describe('two orchestrator replicas', () => {
  it('the survivor takes over a room whose leader was killed, with the room table intact', async () => {
    for (const id of ['p1', 'p2', 'p3']) await cluster.request('participant.join', seat(id));
    const before = await cluster.admin({ op: 'room.get', tenantId: TENANT, roomId: ROOM });
    expect(before.participants.map((p) => p.participantId).sort()).toEqual(['p1', 'p2', 'p3']);
    const leader = await leaderOf(`${TENANT}/${ROOM}`);
    const survivor = cluster.orchestrators.find((o) => o !== leader.process)!;

    await leader.process.kill(); // SIGKILL: no lease released, no goodbye

    // Every request now reaches the survivor; the first one for the room takes the room over.
    const joined = await cluster.request('participant.join', seat('p4'));
    expect(byId(joined.participants)).toEqual(byId(before.participants));
    const owner = await redis.get(`orch:lease:${TENANT}/${ROOM}`);
    expect(owner).not.toBe(leader.owner);
    expect(survivor.output).toContain(owner!);

    const after = await cluster.admin({ op: 'room.get', tenantId: TENANT, roomId: ROOM });
    expect(byId(after.participants.filter((p) => p.participantId !== 'p4'))).toEqual(
      byId(before.participants),
    );
    expect(after.participants.map((p) => p.participantId)).toContain('p4');
    for (const p of before.participants) {
      expect(await cluster.request('participant.locate', seat(p.participantId))).toEqual(p);
    }
  });
});
