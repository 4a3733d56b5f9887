import { CascadeError, type ProducerInfo } from '@cascade/contracts';
import type { SfuNodeClient } from '@cascade/sfu-client';

import type { StoredSession } from '../sessions/session-store';
import type { Broadcaster } from '../signaling/broadcaster';
import type { SessionBinding, SignalingSocket } from '../signaling/socket-data';
import { Moderation } from './moderation';
import { Moderators } from './moderators';

const MIC = '11111111-1111-4111-8111-111111111111';
const CAM = '22222222-2222-4222-8222-222222222222';
const room = { tenantId: 'acme', roomId: 'standup' };

type Sent = { to: string; event: string; payload: unknown; except?: string };

const producer = (producerId: string, participantId: string, source: 'microphone' | 'camera') =>
  ({
    producerId,
    participantId,
    kind: source === 'camera' ? 'video' : 'audio',
    source,
    paused: false,
  }) satisfies ProducerInfo;

/**
 * Moderation over an in-memory room: `p_mod` moderates, `p_bob` (on node n2) publishes a
 * microphone and a camera, `p_cat` publishes nothing.
 */
function setup(roles: Record<string, 'owner' | 'moderator' | 'member' | null> = {}) {
  const sent: Sent[] = [];
  const expelled: Array<{ participantId: string; reason: string }> = [];
  const bans: unknown[] = [];
  const nodeRequests: Array<{ nodeId: string; op: string; payload: unknown }> = [];
  const producers = new Map<string, ProducerInfo>([
    [MIC, producer(MIC, 'p_bob', 'microphone')],
    [CAM, producer(CAM, 'p_bob', 'camera')],
  ]);
  const sessions = new Map([
    ['p_mod', 'n1'],
    ['p_bob', 'n2'],
    ['p_cat', 'n1'],
  ]);
  const moderation = new Moderation(
    {
      get: async (ref) => {
        const nodeId = sessions.get(ref.participantId);
        const here = ref.tenantId === room.tenantId && ref.roomId === room.roomId;
        return here && nodeId
          ? ({ ...ref, nodeId, userId: `u_${ref.participantId}` } as StoredSession)
          : undefined;
      },
    },
    {
      producers: async (t, r) =>
        t === room.tenantId && r === room.roomId ? [...producers.values()] : [],
      setPaused: async (_t, _r, id, paused) => {
        const p = producers.get(id);
        if (!p || p.paused === paused) return false;
        p.paused = paused;
        return true;
      },
    },
    {
      node: async (nodeId) =>
        ({
          request: async (op: string, payload: unknown) => {
            nodeRequests.push({ nodeId, op, payload });
            return {};
          },
        }) as unknown as SfuNodeClient,
    },
    {
      toRoom: (t, r, event, payload, except) =>
        sent.push({ to: `room ${t}/${r}`, event, payload, ...(except ? { except } : {}) }),
      toParticipant: (p, event, payload) =>
        sent.push({ to: `participant ${p.participantId}`, event, payload }),
      toUser: () => undefined,
      disconnectParticipant: () => undefined,
    } satisfies Broadcaster,
    { info: () => undefined },
    new Moderators(async ({ userId }) => ({ ok: true, data: { role: roles[userId] ?? null } })),
    {
      expel: async (ref, reason) => {
        if (!sessions.has(ref.participantId)) return false;
        expelled.push({ participantId: ref.participantId, reason });
        return true;
      },
    },
    async (request) => {
      bans.push(request);
      return { ok: true, data: { banned: true } };
    },
  );
  const socketOf = (participantId: string, where = room, admin = true) =>
    ({
      id: 's1',
      connected: true,
      data: {
        identity: {
          kind: 'room',
          ...where,
          userId: `u_${participantId}`,
          displayName: 'd',
          grants: { room: where.roomId, join: true, publish: true, subscribe: true, admin },
        },
        session: {
          ...where,
          participantId,
          userId: `u_${participantId}`,
          displayName: 'd',
          nodeId: 'n1',
          workerIndex: 0,
        } satisfies SessionBinding,
      },
    }) as unknown as SignalingSocket;
  return {
    moderation,
    sent,
    nodeRequests,
    producers,
    expelled,
    bans,
    moderator: socketOf('p_mod'),
    socketOf,
  };
}

async function codeOf(promise: Promise<unknown>): Promise<string> {
  const error: unknown = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  return error instanceof CascadeError ? error.code : `resolved (${String(error)})`;
}

describe('moderation: muting another participant', () => {
  it("pauses the target's microphone on its node, tells the room and the target", async () => {
    const { moderation, sent, nodeRequests, producers, moderator } = setup();
    await moderation.mute(moderator, { participantId: 'p_bob', source: 'microphone' });
    expect(nodeRequests).toEqual([
      {
        nodeId: 'n2',
        op: 'producer.pause',
        payload: { ...room, participantId: 'p_bob', producerId: MIC },
      },
    ]);
    expect(producers.get(MIC)?.paused).toBe(true);
    expect(producers.get(CAM)?.paused).toBe(false);
    expect(sent).toEqual([
      {
        to: 'room acme/standup',
        event: 'producer.paused',
        payload: { producerId: MIC, participantId: 'p_bob' },
        except: 'p_bob',
      },
      {
        to: 'participant p_bob',
        event: 'producer.mutedByModerator',
        payload: { producerId: MIC, source: 'microphone', by: 'p_mod' },
      },
    ]);
  });

  it('announces nothing when the producer is paused already', async () => {
    const { moderation, sent, producers, moderator } = setup();
    producers.get(CAM)!.paused = true;
    await moderation.mute(moderator, { participantId: 'p_bob', source: 'camera' });
    expect(sent).toEqual([]);
  });

  it('is NOT_FOUND for a participant without that source, or not in the room', async () => {
    const { moderation, sent, nodeRequests, moderator } = setup();
    expect(
      await codeOf(moderation.mute(moderator, { participantId: 'p_cat', source: 'camera' })),
    ).toBe('NOT_FOUND');
    expect(
      await codeOf(moderation.mute(moderator, { participantId: 'p_nobody', source: 'camera' })),
    ).toBe('NOT_FOUND');
    expect([sent, nodeRequests]).toEqual([[], []]);
  });

  it("never reaches another room's participant, even by its id", async () => {
    const { moderation, nodeRequests, socketOf } = setup();
    const elsewhere = socketOf('p_mod', { tenantId: 'acme', roomId: 'other' });
    expect(
      await codeOf(moderation.mute(elsewhere, { participantId: 'p_bob', source: 'microphone' })),
    ).toBe('NOT_FOUND');
    const otherTenant = socketOf('p_mod', { tenantId: 'evil', roomId: 'standup' });
    expect(
      await codeOf(moderation.mute(otherTenant, { participantId: 'p_bob', source: 'microphone' })),
    ).toBe('NOT_FOUND');
    expect(nodeRequests).toEqual([]);
  });

  it('refuses muting oneself: INVALID_ARGUMENT', async () => {
    const { moderation, moderator } = setup();
    expect(
      await codeOf(moderation.mute(moderator, { participantId: 'p_mod', source: 'microphone' })),
    ).toBe('INVALID_ARGUMENT');
  });
});

describe('moderation: who moderates', () => {
  it("lets the room's owner or a moderator (no admin grant) mute, remove and ban", async () => {
    for (const role of ['owner', 'moderator'] as const) {
      const { moderation, expelled, bans, producers, socketOf } = setup({ u_p_mod: role });
      const mod = socketOf('p_mod', room, false);
      await moderation.mute(mod, { participantId: 'p_bob', source: 'microphone' });
      expect(producers.get(MIC)?.paused).toBe(true);
      await moderation.remove(mod, { participantId: 'p_cat' });
      await moderation.ban(mod, { participantId: 'p_bob', reason: 'spam' });
      expect(expelled).toEqual([
        { participantId: 'p_cat', reason: 'kicked' },
        { participantId: 'p_bob', reason: 'banned' },
      ]);
      expect(bans).toEqual([
        {
          ...room,
          userId: 'u_p_bob',
          bannedBy: 'u_p_mod',
          authority: 'role',
          reason: 'spam',
        },
      ]);
    }
  });

  it('refuses a participant without the admin grant or a moderating role: FORBIDDEN, nothing done', async () => {
    const { moderation, expelled, bans, nodeRequests, socketOf } = setup({ u_p_mod: 'member' });
    const member = socketOf('p_mod', room, false);
    for (const attempt of [
      moderation.mute(member, { participantId: 'p_bob', source: 'microphone' }),
      moderation.remove(member, { participantId: 'p_bob' }),
      moderation.ban(member, { participantId: 'p_bob' }),
    ])
      expect(await codeOf(attempt)).toBe('FORBIDDEN');
    expect([expelled, bans, nodeRequests]).toEqual([[], [], []]);
  });

  it('asks the rooms service nothing of a token with the admin grant, and bans by that grant', async () => {
    const { moderation, bans, moderator } = setup();
    await moderation.ban(moderator, { participantId: 'p_bob' });
    expect(bans).toEqual([{ ...room, userId: 'u_p_bob', bannedBy: 'u_p_mod', authority: 'grant' }]);
  });

  it('is NOT_FOUND for a participant not in the room, INVALID_ARGUMENT for oneself', async () => {
    const { moderation, expelled, moderator } = setup();
    expect(await codeOf(moderation.remove(moderator, { participantId: 'p_nobody' }))).toBe(
      'NOT_FOUND',
    );
    expect(await codeOf(moderation.ban(moderator, { participantId: 'p_mod' }))).toBe(
      'INVALID_ARGUMENT',
    );
    expect(expelled).toEqual([]);
  });
});
