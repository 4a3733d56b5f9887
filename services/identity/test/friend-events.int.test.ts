import {
  FriendUserEvent,
  type SendFriendRequestResult,
  type SessionTokens,
  createSubjects,
  wireJson,
} from '@cascade/contracts';
import { type NatsConnection, connect } from '@nats-io/transport-node';

import { useIdentity } from './support/identity-harness';

const h = useIdentity();
const json = wireJson;

let nc: NatsConnection;
let subjects: ReturnType<typeof createSubjects>;
let ann: SessionTokens;
let bob: SessionTokens;
let cat: SessionTokens;
let dan: SessionTokens;

/** Every user notification published during the current test, with its subject. */
let heard: Array<{ subject: string; event: FriendUserEvent }> = [];

beforeAll(async () => {
  await h.createTenant('notify');
  [ann, bob, cat, dan] = (await Promise.all(
    ['Ann', 'Bob', 'Cat', 'Dan'].map((n) => h.signIn('notify', n)),
  )) as [SessionTokens, SessionTokens, SessionTokens, SessionTokens];
  nc = await connect({ servers: h.infra().env['NATS_URL'] });
  subjects = createSubjects(h.infra().env['NATS_SUBJECT_PREFIX']);
  nc.subscribe(subjects.userEventsAll(), {
    callback: (_err, msg) => {
      heard.push({ subject: msg.subject, event: FriendUserEvent.parse(json.decode(msg.data)) });
    },
  });
  await nc.flush();
});

afterAll(async () => {
  await nc?.close();
});

beforeEach(() => {
  heard = [];
});

const as = (s: SessionTokens) => ({ token: s.accessToken });
const inbox = (s: SessionTokens) => subjects.userEvents(s.user.tenantId, s.user.id);

/**
 * Waits for `count` notifications, then a moment more for any that should not come; answers
 * them all, each checked to be on the subject of the user it names.
 */
async function notifications(count: number): Promise<FriendUserEvent[]> {
  const deadline = Date.now() + 5_000;
  while (heard.length < count && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 20));
  }
  await new Promise((r) => setTimeout(r, 250));
  for (const { subject, event } of heard) {
    expect(subject).toBe(subjects.userEvents(event.tenantId, event.userId));
  }
  return heard.map((h) => h.event);
}

async function request(from: SessionTokens, to: SessionTokens): Promise<SendFriendRequestResult> {
  const res = await h.app().post<SendFriendRequestResult>('/friends/requests', {
    ...as(from),
    body: { userId: to.user.id },
  });
  expect(res.status).toBe(201);
  return res.body;
}

async function pending(from: SessionTokens, to: SessionTokens): Promise<string> {
  const sent = await request(from, to);
  if (sent.status !== 'pending') throw new Error('expected a pending request');
  await notifications(1);
  heard = [];
  return sent.request.id;
}

describe('friend notifications over NATS', () => {
  it("tell the recipient of a new request on the recipient's subject only", async () => {
    const sent = await request(ann, bob);
    if (sent.status !== 'pending') throw new Error('expected a pending request');
    expect(await notifications(1)).toEqual([
      {
        type: 'friend.requestReceived',
        tenantId: bob.user.tenantId,
        userId: bob.user.id,
        request: sent.request,
      },
    ]);
    expect(heard.map((x) => x.subject)).toEqual([inbox(bob)]);
  });

  it('tell the requester when the recipient accepts', async () => {
    const requests = await h
      .app()
      .get<{ items: Array<{ id: string }> }>('/friends/requests', as(bob));
    heard = [];
    const id = requests.body.items[0]?.id as string;
    expect((await h.app().post(`/friends/requests/${id}/accept`, as(bob))).status).toBe(200);
    expect(await notifications(1)).toEqual([
      {
        type: 'friend.requestAccepted',
        tenantId: ann.user.tenantId,
        userId: ann.user.id,
        friend: { id: bob.user.id, displayName: 'Bob', avatarUrl: expect.any(String) },
      },
    ]);
  });

  it('tell the requester when the recipient declines', async () => {
    const id = await pending(cat, dan);
    expect((await h.app().post(`/friends/requests/${id}/decline`, as(dan))).status).toBe(204);
    expect(await notifications(1)).toEqual([
      {
        type: 'friend.requestDeclined',
        tenantId: cat.user.tenantId,
        userId: cat.user.id,
        requestId: id,
      },
    ]);
  });

  it('tell the recipient when the sender cancels', async () => {
    const id = await pending(cat, dan);
    expect((await h.app().delete(`/friends/requests/${id}`, as(cat))).status).toBe(204);
    expect(await notifications(1)).toEqual([
      {
        type: 'friend.requestCancelled',
        tenantId: dan.user.tenantId,
        userId: dan.user.id,
        requestId: id,
      },
    ]);
  });

  it('tell both sides, each about the other, when a request meets the opposite one', async () => {
    await pending(ann, cat);
    const back = await request(cat, ann);
    expect(back.status).toBe('accepted');
    const events = await notifications(2);
    expect(events).toHaveLength(2);
    expect(events).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          type: 'friend.requestAccepted',
          userId: ann.user.id,
          friend: expect.objectContaining({ id: cat.user.id }),
        }),
        expect.objectContaining({
          type: 'friend.requestAccepted',
          userId: cat.user.id,
          friend: expect.objectContaining({ id: ann.user.id }),
        }),
      ]),
    );
  });

  it('tell the former friend when a friendship ends', async () => {
    expect((await h.app().delete(`/friends/${bob.user.id}`, as(ann))).status).toBe(204);
    expect(await notifications(1)).toEqual([
      {
        type: 'friend.removed',
        tenantId: bob.user.tenantId,
        userId: bob.user.id,
        friendId: ann.user.id,
      },
    ]);
  });

  it("tell a user's friends, and nobody else, when the user enters or leaves a room", async () => {
    // Ann's friends now: Cat only (Bob was removed above). Dan befriends Ann too.
    const id = await pending(dan, ann);
    expect((await h.app().post(`/friends/requests/${id}/accept`, as(ann))).status).toBe(200);
    await notifications(1);
    heard = [];

    const roomSubject = subjects.roomActivity(ann.user.tenantId, 'room-42');
    const activity = {
      tenantId: ann.user.tenantId,
      roomId: 'room-42',
      userId: ann.user.id,
      participantId: 'prt_1',
      at: new Date().toISOString(),
    };
    // Invalid events are ignored without stopping the subscription.
    nc.publish(roomSubject, new TextEncoder().encode('not json'));
    nc.publish(roomSubject, json.encode({ type: 'participant.joined', tenantId: 'x' }));
    nc.publish(
      subjects.roomActivity(ann.user.tenantId, 'another-room'),
      json.encode({ type: 'participant.joined', ...activity }),
    );
    nc.publish(roomSubject, json.encode({ type: 'participant.joined', ...activity }));

    const joined = await notifications(2);
    expect(joined.map((e) => [e.type, e.userId]).sort()).toEqual(
      [
        ['friend.presenceChanged', cat.user.id],
        ['friend.presenceChanged', dan.user.id],
      ].sort(),
    );
    expect(
      joined.every((e) => e.type === 'friend.presenceChanged' && e.friendId === ann.user.id),
    ).toBe(true);

    heard = [];
    nc.publish(roomSubject, json.encode({ type: 'participant.left', ...activity, reason: 'left' }));
    expect((await notifications(2)).map((e) => e.userId).sort()).toEqual(
      [cat.user.id, dan.user.id].sort(),
    );

    heard = [];
    nc.publish(
      roomSubject,
      json.encode({ type: 'chat.message', ...activity, messageId: 'msg_1', text: 'hi' }),
    );
    expect(await notifications(0)).toEqual([]);
  });
});
