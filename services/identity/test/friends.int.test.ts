import {
  type Friend,
  type FriendRequest,
  FriendshipQueryReply,
  type Page,
  type Profile,
  type PublicProfile,
  type PublicProfileList,
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
let outsider: SessionTokens;

beforeAll(async () => {
  await h.createTenant('friends');
  await h.createTenant('elsewhere');
  [ann, bob, cat, dan] = (await Promise.all(
    ['Ann Lee', 'Bob', 'Cat', 'Dan'].map((n) => h.signIn('friends', n)),
  )) as [SessionTokens, SessionTokens, SessionTokens, SessionTokens];
  outsider = await h.signIn('elsewhere', 'Outsider');
  nc = await connect({ servers: h.infra().env['NATS_URL'] });
  subjects = createSubjects(h.infra().env['NATS_SUBJECT_PREFIX']);
});

afterAll(async () => {
  await nc?.close();
});

const as = (s: SessionTokens) => ({ token: s.accessToken });

async function befriend(x: SessionTokens, y: SessionTokens): Promise<void> {
  const sent = await h.app().post<SendFriendRequestResult>('/friends/requests', {
    ...as(x),
    body: { userId: y.user.id },
  });
  expect(sent.status).toBe(201);
  if (sent.body.status === 'pending') {
    const ok = await h.app().post(`/friends/requests/${sent.body.request.id}/accept`, as(y));
    expect(ok.status).toBe(200);
  }
}

describe('profiles', () => {
  it('reads my profile with a generated avatar', async () => {
    const res = await h.app().get<Profile>('/me', as(ann));
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({
      id: ann.user.id,
      displayName: 'Ann Lee',
      avatarSource: 'generated',
    });
    expect(Buffer.from(res.body.avatarUrl.split(',')[1] as string, 'base64').toString()).toContain(
      '>AL<',
    );
  });

  it('updates my display name; the generated avatar follows it', async () => {
    const res = await h
      .app()
      .patch<Profile>('/me', { ...as(dan), body: { displayName: 'Daniel Craig' } });
    expect(res.status).toBe(200);
    expect(res.body.displayName).toBe('Daniel Craig');
    expect(Buffer.from(res.body.avatarUrl.split(',')[1] as string, 'base64').toString()).toContain(
      '>DC<',
    );
  });

  it('sets my preferred language (canonical BCP 47) and clears it with null', async () => {
    expect((await h.app().get<Profile>('/me', as(bob))).body.language).toBeNull();
    const set = await h.app().patch<Profile>('/me', { ...as(bob), body: { language: 'pt-br' } });
    expect(set.status).toBe(200);
    expect(set.body.language).toBe('pt-BR');
    expect((await h.app().get<Profile>('/me', as(bob))).body).toMatchObject({
      language: 'pt-BR',
      displayName: 'Bob',
    });
    const cleared = await h.app().patch<Profile>('/me', { ...as(bob), body: { language: null } });
    expect(cleared.body.language).toBeNull();
  });

  it.each([
    [{}, ''],
    [{ language: 'not a language!' }, 'language'],
    [{ language: 'x' }, 'language'],
    [{ language: 42 }, 'language'],
    [{ displayName: '' }, 'displayName'],
    [{ displayName: 'x'.repeat(101) }, 'displayName'],
    [{ displayName: 3 }, 'displayName'],
    [{ avatarSource: 'gravatar' }, 'avatarSource'],
    [{ avatarSource: 'google' }, 'avatarSource'],
    [{ displayName: 'ok', email: 'x@y.z' }, ''],
  ])('rejects %j at %j and changes nothing', async (body, path) => {
    const before = (await h.app().get<Profile>('/me', as(cat))).body;
    const res = await h
      .app()
      .patch<{ details: { issues: Array<{ path: string }> } }>('/me', { ...as(cat), body });
    expect(res.status).toBe(400);
    expect(res.body.details.issues.map((i) => i.path)).toContain(path);
    expect((await h.app().get<Profile>('/me', as(cat))).body).toEqual(before);
  });

  it("shows another user of my tenant, but not another tenant's user", async () => {
    const res = await h.app().get<PublicProfile>(`/users/${bob.user.id}`, as(ann));
    expect(res.body).toEqual({
      id: bob.user.id,
      displayName: 'Bob',
      avatarUrl: expect.any(String),
    });
    expect((await h.app().get(`/users/${outsider.user.id}`, as(ann))).status).toBe(404);
    expect((await h.app().get(`/users/${ann.user.id}`, as(outsider))).status).toBe(404);
    expect((await h.app().get('/users/a.b', as(ann))).status).toBe(400);
    expect((await h.app().get(`/users/${bob.user.id}`)).status).toBe(401);
  });
});

describe('public profiles in bulk', () => {
  it("lists the users of my tenant among the ids, in order, leaving out unknown and other tenants' users", async () => {
    const ids = [cat.user.id, outsider.user.id, 'usr_nobody', bob.user.id, cat.user.id];
    const res = await h.app().get<PublicProfileList>(`/users?ids=${ids.join(',')}`, as(ann));
    expect(res.status).toBe(200);
    expect(res.body).toEqual({
      users: [
        { id: cat.user.id, displayName: 'Cat', avatarUrl: expect.any(String) },
        { id: bob.user.id, displayName: 'Bob', avatarUrl: expect.any(String) },
      ],
    });
    const fromOutside = await h
      .app()
      .get<PublicProfileList>(`/users?ids=${ann.user.id},${outsider.user.id}`, as(outsider));
    expect(fromOutside.body.users.map((u) => u.id)).toEqual([outsider.user.id]);
  });

  it('needs an access token and a valid list of ids', async () => {
    expect((await h.app().get(`/users?ids=${bob.user.id}`)).status).toBe(401);
    for (const query of [
      '',
      '?ids=',
      '?ids=a.b',
      `?ids=${Array(101)
        .fill('u')
        .map((u, i) => u + i)
        .join(',')}`,
      '?ids=a&other=1',
    ]) {
      const res = await h.app().get(`/users${query}`, as(ann));
      expect([query, res.status]).toEqual([query, 400]);
    }
  });
});

describe('friend requests', () => {
  it('send, list incoming and outgoing, accept: both see each other', async () => {
    const sent = await h.app().post<SendFriendRequestResult>('/friends/requests', {
      ...as(ann),
      body: { userId: bob.user.id },
    });
    expect(sent.status).toBe(201);
    expect(sent.body).toMatchObject({
      status: 'pending',
      request: { from: { id: ann.user.id }, to: { id: bob.user.id } },
    });
    if (sent.body.status !== 'pending') throw new Error('expected pending');

    const incoming = await h.app().get<Page<FriendRequest>>('/friends/requests', as(bob));
    expect(incoming.body.items.map((r) => r.id)).toEqual([sent.body.request.id]);
    const outgoing = await h
      .app()
      .get<Page<FriendRequest>>('/friends/requests?direction=outgoing', as(ann));
    expect(outgoing.body.items.map((r) => r.id)).toEqual([sent.body.request.id]);

    expect(
      (await h.app().post('/friends/requests', { ...as(ann), body: { userId: bob.user.id } }))
        .status,
    ).toBe(409);
    expect(
      (await h.app().post(`/friends/requests/${sent.body.request.id}/accept`, as(ann))).status,
    ).toBe(403);
    const accepted = await h
      .app()
      .post<PublicProfile>(`/friends/requests/${sent.body.request.id}/accept`, as(bob));
    expect(accepted.body.id).toBe(ann.user.id);

    const annFriends = await h.app().get<Page<Friend>>('/friends', as(ann));
    expect(annFriends.body.items.map((f) => f.user.id)).toEqual([bob.user.id]);
    const bobFriends = await h.app().get<Page<Friend>>('/friends', as(bob));
    expect(bobFriends.body.items.map((f) => f.user.id)).toEqual([ann.user.id]);
    expect(
      (await h.app().post('/friends/requests', { ...as(bob), body: { userId: ann.user.id } }))
        .status,
    ).toBe(409);
  });

  it('crossing requests make a friendship at once', async () => {
    await h.app().post('/friends/requests', { ...as(cat), body: { userId: dan.user.id } });
    const back = await h.app().post<SendFriendRequestResult>('/friends/requests', {
      ...as(dan),
      body: { userId: cat.user.id },
    });
    expect(back.body).toMatchObject({ status: 'accepted', friend: { id: cat.user.id } });
    expect(await h.count('friend_requests')).toBe(0);
  });

  it('decline (recipient) and cancel (sender) delete the request', async () => {
    const one = await h.app().post<SendFriendRequestResult>('/friends/requests', {
      ...as(bob),
      body: { userId: cat.user.id },
    });
    if (one.body.status !== 'pending') throw new Error('expected pending');
    expect(
      (await h.app().post(`/friends/requests/${one.body.request.id}/decline`, as(bob))).status,
    ).toBe(403);
    expect(
      (await h.app().post(`/friends/requests/${one.body.request.id}/decline`, as(cat))).status,
    ).toBe(204);
    expect(
      (await h.app().post(`/friends/requests/${one.body.request.id}/accept`, as(cat))).status,
    ).toBe(404);

    const two = await h.app().post<SendFriendRequestResult>('/friends/requests', {
      ...as(bob),
      body: { userId: cat.user.id },
    });
    if (two.body.status !== 'pending') throw new Error('expected pending');
    expect((await h.app().delete(`/friends/requests/${two.body.request.id}`, as(cat))).status).toBe(
      403,
    );
    expect((await h.app().delete(`/friends/requests/${two.body.request.id}`, as(bob))).status).toBe(
      204,
    );
    expect(await h.count('friend_requests')).toBe(0);
  });

  it('stay within one tenant', async () => {
    const before = await h.count('friend_requests');
    const res = await h
      .app()
      .post('/friends/requests', { ...as(outsider), body: { userId: ann.user.id } });
    expect(res.status).toBe(404);
    const pending = await h.app().post<SendFriendRequestResult>('/friends/requests', {
      ...as(ann),
      body: { userId: dan.user.id },
    });
    if (pending.body.status !== 'pending') throw new Error('expected pending');
    const id = pending.body.request.id;
    expect((await h.app().post(`/friends/requests/${id}/accept`, as(outsider))).status).toBe(404);
    expect((await h.app().post(`/friends/requests/${id}/decline`, as(outsider))).status).toBe(404);
    expect((await h.app().delete(`/friends/requests/${id}`, as(outsider))).status).toBe(404);
    expect(
      (await h.app().get<Page<FriendRequest>>('/friends/requests', as(outsider))).body.items,
    ).toEqual([]);
    expect((await h.app().delete(`/friends/${ann.user.id}`, as(outsider))).status).toBe(404);
    await h.app().delete(`/friends/requests/${id}`, as(ann));
    expect(await h.count('friend_requests')).toBe(before);
  });

  it.each([
    [{}, 'userId'],
    [{ userId: 5 }, 'userId'],
    [{ userId: 'has space' }, 'userId'],
    [{ userId: 'x'.repeat(65) }, 'userId'],
    [{ userId: 'ok', note: 'hi' }, ''],
  ])('rejects %j at %j and writes nothing', async (body, path) => {
    const before = await h.count('friend_requests');
    const res = await h
      .app()
      .post<{ details: { issues: Array<{ path: string }> } }>('/friends/requests', {
        ...as(ann),
        body,
      });
    expect(res.status).toBe(400);
    expect(res.body.details.issues.map((i) => i.path)).toContain(path);
    expect(await h.count('friend_requests')).toBe(before);
  });

  it('refuses befriending myself and unknown users', async () => {
    expect(
      (await h.app().post('/friends/requests', { ...as(ann), body: { userId: ann.user.id } }))
        .status,
    ).toBe(400);
    expect(
      (await h.app().post('/friends/requests', { ...as(ann), body: { userId: 'usr_nobody' } }))
        .status,
    ).toBe(404);
    expect((await h.app().post('/friends/requests/frq_missing/accept', as(ann))).status).toBe(404);
  });
});

describe('friends list with presence', () => {
  it('shows the room each friend is in, from the rooms service over NATS', async () => {
    const asked: Array<{ tenantId: string; viewerId?: string }> = [];
    await befriend(ann, cat);
    const sub = nc.subscribe(subjects.roomsPresenceQuery(), {
      callback: (_err, msg) => {
        const request = json.decode(msg.data) as {
          tenantId: string;
          userIds: string[];
          viewerId?: string;
        };
        asked.push(request);
        msg.respond(
          json.encode({
            ok: true,
            data: {
              presence: request.userIds
                .filter((id) => id === cat.user.id || id === dan.user.id)
                .map((userId) =>
                  userId === cat.user.id
                    ? { userId, roomId: 'room-7', roomTitle: 'Standup', roomVisibility: 'public' }
                    : { userId, hidden: true },
                ),
            },
          }),
        );
      },
    });
    try {
      await befriend(ann, dan);
      const res = await h.app().get<Page<Friend>>('/friends', as(ann));
      expect(res.status).toBe(200);
      // Rooms is asked as Ann: it names only the rooms she may join.
      expect(asked).toEqual([
        expect.objectContaining({ tenantId: ann.user.tenantId, viewerId: ann.user.id }),
      ]);
      const byId = new Map(res.body.items.map((f) => [f.user.id, [f.room, f.inCall]]));
      expect(byId.get(cat.user.id)).toEqual([{ roomId: 'room-7', title: 'Standup' }, true]);
      // Dan is in a room Ann may not join (a private one): in a call, nowhere named.
      expect(byId.get(dan.user.id)).toEqual([null, true]);
      expect(byId.get(bob.user.id)).toEqual([null, false]);
    } finally {
      sub.unsubscribe();
    }
  });

  it('lists friends with room null when the rooms service does not answer', async () => {
    const res = await h.app().get<Page<Friend>>('/friends', as(ann));
    expect(res.status).toBe(200);
    expect(res.body.items.length).toBeGreaterThanOrEqual(2);
    expect(res.body.items.every((f) => f.room === null && !f.inCall)).toBe(true);
  });

  it('pages friends: exact pages and the last one', async () => {
    const first = await h.app().get<Page<Friend>>('/friends?limit=2', as(ann));
    expect(first.body.items).toHaveLength(2);
    expect(first.body.nextCursor).not.toBeNull();
    const second = await h
      .app()
      .get<Page<Friend>>(`/friends?limit=2&cursor=${first.body.nextCursor}`, as(ann));
    expect(second.body.items).toHaveLength(1);
    expect(second.body.nextCursor).toBeNull();
    const ids = [...first.body.items, ...second.body.items].map((f) => f.user.id);
    expect(new Set(ids)).toEqual(new Set([bob.user.id, cat.user.id, dan.user.id]));
    const exact = await h.app().get<Page<Friend>>('/friends?limit=3', as(ann));
    expect(exact.body.nextCursor).toBeNull();
    expect((await h.app().get('/friends?limit=0', as(ann))).status).toBe(400);
    expect((await h.app().get('/friends?cursor=***', as(ann))).status).toBe(400);
  });

  it('remove ends the friendship on both sides', async () => {
    expect((await h.app().delete(`/friends/${dan.user.id}`, as(ann))).status).toBe(204);
    const danFriends = await h.app().get<Page<Friend>>('/friends', as(dan));
    expect(danFriends.body.items.map((f) => f.user.id)).not.toContain(ann.user.id);
    expect((await h.app().delete(`/friends/${dan.user.id}`, as(ann))).status).toBe(404);
  });
});

describe('NATS friendship query', () => {
  const ask = async (payload: unknown) => {
    const msg = await nc.request(subjects.identityFriendship(), json.encode(payload), {
      timeout: 3_000,
    });
    return FriendshipQueryReply.parse(json.decode(msg.data));
  };

  it('answers which of the given users are friends, in this tenant only', async () => {
    const reply = await ask({
      tenantId: ann.user.tenantId,
      userId: ann.user.id,
      otherUserIds: [bob.user.id, cat.user.id, dan.user.id, outsider.user.id],
    });
    expect(reply).toEqual({ ok: true, data: { friends: [bob.user.id, cat.user.id] } });
    const otherTenant = await ask({
      tenantId: outsider.user.tenantId,
      userId: ann.user.id,
      otherUserIds: [bob.user.id],
    });
    expect(otherTenant).toEqual({ ok: true, data: { friends: [] } });
  });

  it('answers INVALID_ARGUMENT for a bad query', async () => {
    const reply = await ask({ tenantId: 't', userId: 'u', otherUserIds: Array(501).fill('x') });
    expect(reply).toMatchObject({ ok: false, error: { code: 'INVALID_ARGUMENT' } });
    expect(await ask({ tenantId: 't' })).toMatchObject({
      ok: false,
      error: { code: 'INVALID_ARGUMENT' },
    });
  });
});
