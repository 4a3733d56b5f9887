import { type Client, accessToken, uid, useRoomsApp } from './support/harness';

describe('rooms HTTP API', () => {
  const rooms = useRoomsApp({ ROOMS_MAX_CAPACITY: '200' });
  let tenant: string;
  let alice: Client;
  let bob: Client;
  let mallory: Client; // another tenant

  beforeEach(() => {
    tenant = uid('tenant');
    alice = rooms().client(tenant, uid('alice'));
    bob = rooms().client(tenant, uid('bob'));
    mallory = rooms().client(uid('other-tenant'), uid('mallory'));
  });

  describe('authentication', () => {
    it('answers 401 without a token, with a malformed one, or one from another issuer', async () => {
      const none = await fetch(`${rooms().url}/rooms`);
      expect(none.status).toBe(401);
      expect(await none.json()).toMatchObject({ code: 'UNAUTHENTICATED' });
      for (const token of ['garbage', accessToken(tenant, 'u', { iss: 'https://evil.test' })]) {
        const res = await fetch(`${rooms().url}/rooms`, {
          headers: { authorization: `Bearer ${token}` },
        });
        expect(res.status).toBe(401);
      }
    });
  });

  describe('create', () => {
    it('creates a public room owned by the caller with a default capacity of 50', async () => {
      const res = await alice.post('/rooms', {
        title: '  Español para todos ',
        topic: 'languages',
        language: 'es-mx',
      });
      expect(res.status).toBe(201);
      expect(res.body).toMatchObject({
        tenantId: tenant,
        ownerId: alice.userId,
        title: 'Español para todos',
        topic: 'languages',
        language: 'es-MX',
        capacity: 50,
        visibility: 'public',
        status: 'active',
        participantCount: 0,
        previewUserIds: [],
        myRole: 'owner',
      });
      const members = await alice.get(`/rooms/${res.body.id}/members`);
      expect(members.body.members).toEqual([
        expect.objectContaining({ userId: alice.userId, role: 'owner' }),
      ]);
    });

    it.each([
      ['a missing title', { language: 'en' }, 'title'],
      ['a title of the wrong type', { title: 42, language: 'en' }, 'title'],
      ['an empty title', { title: '   ', language: 'en' }, 'title'],
      ['a title too long', { title: 'x'.repeat(121), language: 'en' }, 'title'],
      ['a topic too long', { title: 't', topic: 'x'.repeat(61), language: 'en' }, 'topic'],
      ['a language that is not BCP 47', { title: 't', language: 'english!!' }, 'language'],
      ['a capacity below 2', { title: 't', language: 'en', capacity: 1 }, 'capacity'],
      ['a fractional capacity', { title: 't', language: 'en', capacity: 2.5 }, 'capacity'],
      [
        'a capacity above the tenant ceiling',
        { title: 't', language: 'en', capacity: 201 },
        'capacity',
      ],
      ['an unknown visibility', { title: 't', language: 'en', visibility: 'secret' }, 'visibility'],
      ['an unknown field', { title: 't', language: 'en', owner: 'someone' }, ''],
    ])('refuses %s with 400 naming the field, writing nothing', async (_name, body, path) => {
      const before = await rooms().count('rooms');
      const membersBefore = await rooms().count('room_members');
      const res = await alice.post('/rooms', body);
      expect(res.status).toBe(400);
      expect(res.body.code).toBe('INVALID_ARGUMENT');
      expect(res.body.details.issues).toEqual(
        expect.arrayContaining([expect.objectContaining({ path })]),
      );
      expect(await rooms().count('rooms')).toBe(before);
      expect(await rooms().count('room_members')).toBe(membersBefore);
    });

    it('refuses a body that is not JSON or not an object', async () => {
      expect((await alice.post('/rooms', '{"title":')).status).toBe(400);
      expect((await alice.post('/rooms', [1, 2])).status).toBe(400);
    });
  });

  describe('get', () => {
    it('shows a public room to anyone of the tenant and a private one to its members only', async () => {
      const pub = await alice.createRoom();
      const priv = await alice.createRoom({ visibility: 'private' });
      expect((await bob.get(`/rooms/${pub.id}`)).body).toMatchObject({ id: pub.id, myRole: null });
      expect((await bob.get(`/rooms/${priv.id}`)).status).toBe(404);
      expect((await alice.get(`/rooms/${priv.id}`)).status).toBe(200);
    });

    it('answers 404 for another tenant’s room and 400 for a malformed id', async () => {
      const room = await alice.createRoom();
      const res = await mallory.get(`/rooms/${room.id}`);
      expect(res.status).toBe(404);
      expect(res.body.code).toBe('NOT_FOUND');
      const bad = await alice.get('/rooms/not.an.id');
      expect(bad.status).toBe(400);
      expect(bad.body.details.issues[0].path).toBe('roomId');
    });
  });

  describe('update', () => {
    it('lets the owner change fields and clear the topic', async () => {
      const room = await alice.createRoom({ topic: 'music' });
      const res = await alice.patch(`/rooms/${room.id}`, {
        title: 'Evening call',
        topic: null,
        capacity: 10,
        visibility: 'private',
      });
      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({
        title: 'Evening call',
        topic: null,
        capacity: 10,
        visibility: 'private',
      });
    });

    it('is refused to others (403), to another tenant (404), and for bad input (400)', async () => {
      const room = await alice.createRoom();
      expect((await bob.patch(`/rooms/${room.id}`, { title: 'mine' })).status).toBe(403);
      expect((await mallory.patch(`/rooms/${room.id}`, { title: 'mine' })).status).toBe(404);
      for (const body of [
        {},
        { title: '' },
        { capacity: 'ten' },
        { nope: true },
        { capacity: 999 },
      ]) {
        expect((await alice.patch(`/rooms/${room.id}`, body)).status).toBe(400);
      }
      expect((await alice.get(`/rooms/${room.id}`)).body.title).toBe('Morning call');
    });
  });

  describe('close', () => {
    it('closes for the owner only; a closed room leaves the list and cannot change', async () => {
      const room = await alice.createRoom();
      expect((await bob.post(`/rooms/${room.id}/close`)).status).toBe(403);
      expect((await mallory.post(`/rooms/${room.id}/close`)).status).toBe(404);
      const res = await alice.post(`/rooms/${room.id}/close`);
      expect(res.status).toBe(200);
      expect(res.body.status).toBe('closed');
      const list = await bob.get('/rooms');
      expect(list.body.rooms.map((r: { id: string }) => r.id)).not.toContain(room.id);
      expect((await alice.patch(`/rooms/${room.id}`, { title: 'again' })).status).toBe(409);
    });
  });

  describe('list', () => {
    it('lists the tenant’s active public rooms and my private rooms, newest first', async () => {
      const a = await alice.createRoom({ title: 'A' });
      const b = await bob.createRoom({ title: 'B private', visibility: 'private' });
      const c = await alice.createRoom({ title: 'C private', visibility: 'private' });
      await mallory.createRoom({ title: 'elsewhere' });
      const ids = (await alice.get('/rooms')).body.rooms.map((r: { id: string }) => r.id);
      expect(ids).toEqual([c.id, a.id]);
      const bobs = (await bob.get('/rooms')).body.rooms.map((r: { id: string }) => r.id);
      expect(bobs).toEqual([b.id, a.id]);
    });

    it('searches titles case-insensitively and filters by language and topic', async () => {
      const jazz = await alice.createRoom({
        title: 'Late Night JAZZ',
        language: 'en-GB',
        topic: 'music',
      });
      await alice.createRoom({ title: 'Jazz en français', language: 'fr', topic: 'music' });
      await alice.createRoom({ title: 'Cooking', language: 'en', topic: 'food' });
      const names = async (query: string) =>
        (await bob.get(`/rooms?${query}`)).body.rooms.map((r: { title: string }) => r.title);
      expect(await names('q=jazz')).toEqual(['Jazz en français', 'Late Night JAZZ']);
      expect(await names('q=jazz&language=en')).toEqual(['Late Night JAZZ']);
      expect(await names('language=EN-gb')).toEqual(['Late Night JAZZ']);
      expect(await names('topic=Music&language=fr')).toEqual(['Jazz en français']);
      expect(await names('topic=food')).toEqual(['Cooking']);
      expect(await names('q=nothing-like-this')).toEqual([]);
      expect((await bob.get('/rooms?q=jazz')).body.rooms[1]).toMatchObject({
        id: jazz.id,
        participantCount: 0,
      });
    });

    it('pages with an opaque cursor: exactly one page, several pages, the last page', async () => {
      const created = [];
      for (let i = 0; i < 5; i++) created.push(await alice.createRoom({ title: `Page ${i}` }));
      const newestFirst = created.map((r) => r.id).reverse();

      const whole = await bob.get('/rooms?limit=5');
      expect(whole.body.rooms.map((r: { id: string }) => r.id)).toEqual(newestFirst);
      expect(whole.body.nextCursor).toBeNull();

      const seen: string[] = [];
      let cursor: string | null = null;
      let pages = 0;
      do {
        const res: { body: { rooms: Array<{ id: string }>; nextCursor: string | null } } =
          await bob.get(`/rooms?limit=2${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`);
        seen.push(...res.body.rooms.map((r) => r.id));
        cursor = res.body.nextCursor;
        pages++;
      } while (cursor);
      expect(pages).toBe(3);
      expect(seen).toEqual(newestFirst);
    });

    it('answers an empty page for a tenant without rooms', async () => {
      const res = await mallory.get('/rooms?q=nothing');
      expect(res.status).toBe(200);
      expect(res.body).toEqual({ rooms: [], nextCursor: null });
    });

    it.each([
      ['an invalid cursor', 'cursor=not-a-cursor', 'cursor'],
      ['a limit of 0', 'limit=0', 'limit'],
      ['a limit too large', 'limit=101', 'limit'],
      ['a limit that is not a number', 'limit=ten', 'limit'],
      ['a bad language', 'language=!!', 'language'],
      ['an unknown parameter', 'sort=title', ''],
    ])('refuses %s with 400', async (_name, query, path) => {
      const res = await alice.get(`/rooms?${query}`);
      expect(res.status).toBe(400);
      expect(res.body.details.issues).toEqual(
        expect.arrayContaining([expect.objectContaining({ path })]),
      );
    });
  });

  it('serves OpenAPI at /docs and /docs-json', async () => {
    expect((await fetch(`${rooms().url}/docs`)).status).toBe(200);
    const doc = (await (await fetch(`${rooms().url}/docs-json`)).json()) as {
      paths: Record<string, unknown>;
    };
    expect(Object.keys(doc.paths)).toEqual(
      expect.arrayContaining([
        '/rooms',
        '/rooms/{roomId}',
        '/rooms/{roomId}/close',
        '/rooms/{roomId}/members/{userId}',
        '/rooms/{roomId}/bans',
        '/rooms/{roomId}/participants',
        '/rooms/{roomId}/messages',
        '/rooms/{roomId}/invitations',
        '/invitations/{invitationId}/accept',
      ]),
    );
  });
});

describe('rooms HTTP API rate limit', () => {
  const rooms = useRoomsApp({ ROOMS_RATE_LIMIT_PER_MINUTE: '3' });

  it('answers 429 past the writes a user may make per minute, reads still pass', async () => {
    const carol = rooms().client(uid('tenant'), uid('carol'));
    for (let i = 0; i < 3; i++) await carol.createRoom();
    const res = await carol.post('/rooms', { title: 'one too many', language: 'en' });
    expect(res.status).toBe(429);
    expect(res.body).toMatchObject({
      code: 'RATE_LIMITED',
      details: { retryAfterSeconds: expect.any(Number) },
    });
    expect((await carol.get('/rooms')).status).toBe(200);
    const dave = rooms().client(carol.tenantId, uid('dave'));
    expect((await dave.post('/rooms', { title: 'mine', language: 'en' })).status).toBe(201);
  });
});
