import { createSubjects } from '@cascade/contracts';

import type { Broadcaster } from '../signaling/broadcaster';
import type { ParticipantRef } from '../signaling/channels';
import { EventRouter, type EventRouterState } from './event-router';

const subjects = createSubjects('test');
const P1 = '11111111-1111-4111-8111-111111111111';
const C1 = '22222222-2222-4222-8222-222222222222';
const at = 1_700_000_000_000;
const where = { nodeId: 'n1', tenantId: 'acme', roomId: 'standup', at };
const sfuSubject = subjects.sfuRoomEvents('n1', 'acme', 'standup');

type Sent = { to: string; event: string; payload: unknown; except?: string };

/** The router against an in-memory registry of producers, consumers and speakers. */
function setup() {
  const sent: Sent[] = [];
  const producers = new Map<string, string>([[P1, 'p_alice']]);
  const consumers = new Set<string>([C1]);
  const speakers = new Map<string, string>();
  const sessions = new Set<string>(['p_alice', 'p_bob']);
  const forwarded: string[] = [];
  const levels: unknown[] = [];
  const state: EventRouterState = {
    audioLevels: (t, r, voices) => void levels.push([`${t}/${r}`, voices]),
    removeProducers: async (_t, _r, ids) =>
      ids.flatMap((id) => {
        const owner = producers.get(id);
        producers.delete(id);
        return owner ? [{ producerId: id, participantId: owner }] : [];
      }),
    swapSpeaker: async (t, r, speaker) => {
      const changed = speakers.get(`${t}/${r}`) !== speaker;
      speakers.set(`${t}/${r}`, speaker);
      return changed;
    },
    forget: async (_p, kind, id) => (kind === 'consumer' ? consumers.delete(id) : true),
    reconnectRequired: async (p: ParticipantRef) => sessions.has(p.participantId),
  };
  const out: Broadcaster = {
    toRoom: (t, r, event, payload, except) =>
      sent.push({ to: `room ${t}/${r}`, event, payload, ...(except ? { except } : {}) }),
    toParticipant: (p, event, payload) =>
      sent.push({ to: `participant ${p.tenantId}/${p.roomId}/${p.participantId}`, event, payload }),
    toUser: (t, u, event, payload) => sent.push({ to: `user ${t}/${u}`, event, payload }),
    disconnectParticipant: () => undefined,
  };
  const router = new EventRouter(subjects, state, out, (e) => forwarded.push(e));
  return { router, sent, forwarded, levels };
}

const producerClosed = (reason: string) => ({
  type: 'producer.closed',
  ...where,
  participantId: 'p_alice',
  producerId: P1,
  reason,
});

describe('event router', () => {
  it('announces a producer closed by its node to the room, except its owner', async () => {
    const { router, sent, forwarded } = setup();
    expect(await router.sfuRoomEvent(sfuSubject, producerClosed('transport-closed'))).toBe(
      'forwarded',
    );
    expect(sent).toEqual([
      {
        to: 'room acme/standup',
        event: 'producer.closed',
        payload: { producerId: P1, participantId: 'p_alice' },
        except: 'p_alice',
      },
    ]);
    expect(forwarded).toEqual(['producer.closed']);
  });

  it('announces each producer close once, however many times it is reported', async () => {
    const { router, sent } = setup();
    await router.sfuRoomEvent(sfuSubject, producerClosed('closed'));
    expect(await router.sfuRoomEvent(sfuSubject, producerClosed('closed'))).toBe('duplicate');
    expect(await router.sfuRoomEvent(sfuSubject, producerClosed('participant-removed'))).toBe(
      'duplicate',
    );
    expect(sent).toHaveLength(1);
  });

  it('ignores a piped copy closing: the producer itself may still be alive', async () => {
    const { router, sent } = setup();
    expect(await router.sfuRoomEvent(sfuSubject, producerClosed('pipe-closed'))).toBe('ignored');
    expect(sent).toEqual([]);
    // ...and the real close afterwards is still announced.
    expect(await router.sfuRoomEvent(sfuSubject, producerClosed('closed'))).toBe('forwarded');
  });

  it('tells only the consumer’s participant that its consumer closed, once', async () => {
    const { router, sent } = setup();
    const event = {
      type: 'consumer.closed',
      ...where,
      participantId: 'p_bob',
      consumerId: C1,
      producerId: P1,
      reason: 'producer-closed',
    };
    expect(await router.sfuRoomEvent(sfuSubject, event)).toBe('forwarded');
    expect(await router.sfuRoomEvent(sfuSubject, event)).toBe('duplicate');
    expect(sent).toEqual([
      {
        to: 'participant acme/standup/p_bob',
        event: 'consumer.closed',
        payload: { consumerId: C1, producerId: P1 },
      },
    ]);
  });

  it('maps layer changes, with null for a consumer that receives no layer', async () => {
    const { router, sent } = setup();
    const base = {
      type: 'consumer.layersChanged',
      ...where,
      participantId: 'p_bob',
      consumerId: C1,
    };
    await router.sfuRoomEvent(sfuSubject, {
      ...base,
      layers: { spatialLayer: 2, temporalLayer: 1 },
    });
    await router.sfuRoomEvent(sfuSubject, { ...base, layers: { spatialLayer: 0 } });
    await router.sfuRoomEvent(sfuSubject, { ...base, layers: null });
    expect(sent.map((s) => s.payload)).toEqual([
      { consumerId: C1, spatialLayer: 2, temporalLayer: 1 },
      { consumerId: C1, spatialLayer: 0, temporalLayer: null },
      { consumerId: C1, spatialLayer: null, temporalLayer: null },
    ]);
  });

  it('announces the active speaker only when it changes, whichever node reports it', async () => {
    const { router, sent } = setup();
    const speaker = (nodeId: string, participantId: string) => ({
      type: 'room.activeSpeaker',
      ...where,
      nodeId,
      participantId,
      producerId: P1,
    });
    await router.sfuRoomEvent(sfuSubject, speaker('n1', 'p_alice'));
    await router.sfuRoomEvent(
      subjects.sfuRoomEvents('n2', 'acme', 'standup'),
      speaker('n2', 'p_alice'),
    );
    await router.sfuRoomEvent(sfuSubject, speaker('n1', 'p_bob'));
    await router.sfuRoomEvent(sfuSubject, speaker('n1', 'p_alice'));
    expect(
      sent.map((s) => [s.event, (s.payload as { participantId: string }).participantId]),
    ).toEqual([
      ['speaker.active', 'p_alice'],
      ['speaker.active', 'p_bob'],
      ['speaker.active', 'p_alice'],
    ]);
  });

  it('hands a node’s audio levels to the room’s audio, announcing nothing', async () => {
    const { router, sent, levels } = setup();
    const voices = [{ participantId: 'p_alice', producerId: P1, volume: -30 }];
    expect(
      await router.sfuRoomEvent(sfuSubject, { type: 'room.audioLevels', ...where, levels: voices }),
    ).toBe('ignored');
    expect(levels).toEqual([['acme/standup', voices]]);
    expect(sent).toEqual([]);
  });

  it('leaves the announcements the gateway makes itself, and node noise, alone', async () => {
    const { router, sent } = setup();
    const created = {
      type: 'producer.created',
      ...where,
      participantId: 'p_alice',
      producerId: P1,
      kind: 'audio',
      source: 'microphone',
      piped: false,
    };
    expect(await router.sfuRoomEvent(sfuSubject, created)).toBe('ignored');
    expect(await router.sfuRoomEvent(sfuSubject, { type: 'room.silence', ...where })).toBe(
      'ignored',
    );
    expect(sent).toEqual([]);
  });

  it('drops an event on another tenant’s or room’s subject, and anything malformed', async () => {
    const { router, sent } = setup();
    const other = subjects.sfuRoomEvents('n1', 'evil', 'standup');
    expect(await router.sfuRoomEvent(other, producerClosed('closed'))).toBe('wrong-subject');
    expect(await router.sfuRoomEvent(sfuSubject, { type: 'producer.closed' })).toBe('invalid');
    expect(await router.sfuRoomEvent(sfuSubject, null)).toBe('invalid');
    expect(await router.sfuRoomEvent(sfuSubject, [])).toBe('invalid');
    expect(sent).toEqual([]);
  });

  it('asks a participant whose node was lost to join again', async () => {
    const { router } = setup();
    const event = {
      type: 'participant.reconnectRequired',
      tenantId: 'acme',
      roomId: 'standup',
      participantId: 'p_bob',
      reason: 'node-lost',
      nodeId: 'n1',
      at,
    };
    const subject = subjects.roomEvents('acme', 'standup');
    expect(await router.roomEvent(subject, event)).toBe('forwarded');
    expect(await router.roomEvent(subject, { ...event, participantId: 'p_gone' })).toBe(
      'unknown-session',
    );
    expect(await router.roomEvent(subjects.roomEvents('acme', 'other'), event)).toBe(
      'wrong-subject',
    );
  });

  it('delivers a user notification to that user of that tenant only', async () => {
    const { router, sent } = setup();
    const event = {
      type: 'invitation.created',
      tenantId: 'acme',
      userId: 'u_bob',
      invitation: {
        id: 'inv1',
        tenantId: 'acme',
        roomId: 'standup',
        roomTitle: 'Standup',
        inviterId: 'u_alice',
        inviteeId: 'u_bob',
        status: 'pending',
        createdAt: '2025-01-01T00:00:00.000Z',
        expiresAt: '2025-01-02T00:00:00.000Z',
        respondedAt: null,
      },
    };
    expect(router.userEvent(subjects.userEvents('acme', 'u_bob'), event)).toBe('forwarded');
    expect(router.userEvent(subjects.userEvents('evil', 'u_bob'), event)).toBe('wrong-subject');
    expect(sent).toEqual([{ to: 'user acme/u_bob', event: 'user.notification', payload: event }]);
  });

  it('delivers identity’s friend events to that user, as notifications too', () => {
    const { router, sent, forwarded } = setup();
    const received = friendRequestReceived('u_bob');
    const presence = {
      type: 'friend.presenceChanged',
      tenantId: 'acme',
      userId: 'u_bob',
      friendId: 'u_alice',
    };
    expect(router.userEvent(subjects.userEvents('acme', 'u_bob'), received)).toBe('forwarded');
    expect(router.userEvent(subjects.userEvents('acme', 'u_bob'), presence)).toBe('forwarded');
    expect(sent).toEqual([
      { to: 'user acme/u_bob', event: 'user.notification', payload: received },
      { to: 'user acme/u_bob', event: 'user.notification', payload: presence },
    ]);
    expect(forwarded).toEqual(['user.notification', 'user.notification']);
  });

  it('drops a friend event on another user’s or tenant’s subject, and one that is malformed', () => {
    const { router, sent } = setup();
    const event = friendRequestReceived('u_bob');
    expect(router.userEvent(subjects.userEvents('acme', 'u_mallory'), event)).toBe('wrong-subject');
    expect(router.userEvent(subjects.userEvents('evil', 'u_bob'), event)).toBe('wrong-subject');
    expect(
      router.userEvent(subjects.userEvents('acme', 'u_bob'), { ...event, request: undefined }),
    ).toBe('invalid');
    expect(
      router.userEvent(subjects.userEvents('acme', 'u_bob'), { ...event, type: 'friend.hugged' }),
    ).toBe('invalid');
    expect(sent).toEqual([]);
  });
});

/** Identity's notification to `userId` that u_alice asked to be friends. */
function friendRequestReceived(userId: string) {
  const profile = (id: string) => ({ id, displayName: id, avatarUrl: `https://a.example/${id}` });
  return {
    type: 'friend.requestReceived',
    tenantId: 'acme',
    userId,
    request: {
      id: 'fr1',
      from: profile('u_alice'),
      to: profile(userId),
      createdAt: '2025-01-01T00:00:00.000Z',
    },
  };
}
