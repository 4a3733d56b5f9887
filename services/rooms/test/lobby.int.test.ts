import { ROOM_PREVIEW_USERS } from '@cascade/contracts';

import { roomSearchSql, type RoomSearchQuery } from '../src/rooms/room-search';
import { type Client, type Json, uid, useRoomsApp, waitFor } from './support/harness';

/** The lobby: room cards with who is inside, search as you type, filters, pages. */
describe('the lobby’s room list', () => {
  const rooms = useRoomsApp();
  let tenant: string;
  let alice: Client;
  let bob: Client;

  beforeEach(() => {
    tenant = uid('tenant');
    alice = rooms().client(tenant, uid('alice'));
    bob = rooms().client(tenant, uid('bob'));
  });

  const T0 = Date.parse('2026-03-01T10:00:00.000Z');
  /** `seconds` after a fixed moment: join order is the events' `at`, not their arrival. */
  const at = (seconds: number) => new Date(T0 + seconds * 1_000).toISOString();

  const joined = (roomId: string, userId: string, participantId: string, seconds: number) =>
    rooms().presence({
      type: 'participant.joined',
      tenantId: tenant,
      roomId,
      userId,
      participantId,
      at: at(seconds),
    });
  const left = (roomId: string, userId: string, participantId: string) =>
    rooms().presence({
      type: 'participant.left',
      tenantId: tenant,
      roomId,
      userId,
      participantId,
      reason: 'left',
    });

  /** The room as `GET /rooms/{id}` shows it once `participantCount` reaches `count`. */
  const roomWith = (roomId: string, count: number): Promise<Json> =>
    waitFor(`${count} participant(s) in ${roomId}`, async () => {
      const { body } = await bob.get(`/rooms/${roomId}`);
      return body.participantCount === count ? body : undefined;
    });

  const listed = async (query = ''): Promise<Json[]> => {
    const res = await bob.get(`/rooms?${query}`);
    if (res.status !== 200) throw new Error(`list failed: ${JSON.stringify(res)}`);
    return res.body.rooms;
  };
  const titles = async (query: string) => (await listed(query)).map((r) => r.title as string);

  describe('previewUserIds', () => {
    it('shows the first users to have joined, each once, earliest first, at most five', async () => {
      const room = await alice.createRoom();
      const users = Array.from({ length: ROOM_PREVIEW_USERS + 2 }, () => uid('u'));
      // Events arrive out of order; the second user is also there from a second device.
      for (const i of [3, 0, 6, 2, 5, 1, 4]) joined(room.id, users[i]!, `p-${i}`, 10 + i);
      joined(room.id, users[1]!, 'p-1-phone', 60);

      const shown = await roomWith(room.id, users.length + 1);
      expect(shown.previewUserIds).toEqual(users.slice(0, ROOM_PREVIEW_USERS));
      const inList = (await listed()).find((r) => r.id === room.id);
      expect(inList).toMatchObject({
        participantCount: users.length + 1,
        previewUserIds: users.slice(0, ROOM_PREVIEW_USERS),
      });
    });

    it('orders a user by their earliest participant still present, and empties as people leave', async () => {
      const room = await alice.createRoom();
      const [ann, ben] = [uid('ann'), uid('ben')];
      joined(room.id, ann, 'ann-laptop', 1);
      joined(room.id, ben, 'ben-laptop', 2);
      joined(room.id, ann, 'ann-phone', 3);
      expect((await roomWith(room.id, 3)).previewUserIds).toEqual([ann, ben]);

      left(room.id, ann, 'ann-laptop');
      expect((await roomWith(room.id, 2)).previewUserIds).toEqual([ben, ann]);

      left(room.id, ben, 'ben-laptop');
      left(room.id, ann, 'ann-phone');
      expect((await roomWith(room.id, 0)).previewUserIds).toEqual([]);
      expect((await listed()).find((r) => r.id === room.id)?.previewUserIds).toEqual([]);
    });

    it('gives each room of a page its own occupants', async () => {
      const [busy, quiet, other] = [
        await alice.createRoom({ title: 'Busy' }),
        await alice.createRoom({ title: 'Quiet' }),
        await alice.createRoom({ title: 'Other' }),
      ];
      const [u1, u2, u3] = [uid('u'), uid('u'), uid('u')];
      joined(busy.id, u1, 'b-1', 1);
      joined(busy.id, u2, 'b-2', 2);
      joined(other.id, u3, 'o-3', 3);
      await roomWith(busy.id, 2);
      await roomWith(other.id, 1);

      const byTitle = Object.fromEntries((await listed()).map((r) => [r.title, r]));
      expect(byTitle['Busy']).toMatchObject({ participantCount: 2, previewUserIds: [u1, u2] });
      expect(byTitle['Quiet']).toMatchObject({ id: quiet.id, participantCount: 0 });
      expect(byTitle['Quiet'].previewUserIds).toEqual([]);
      expect(byTitle['Other']).toMatchObject({ participantCount: 1, previewUserIds: [u3] });
    });

    it('is empty on a room just created, and after its owner closes it', async () => {
      const room = await alice.createRoom();
      expect(room.previewUserIds).toEqual([]);
      joined(room.id, uid('u'), 'p', 1);
      await roomWith(room.id, 1);
      const closed = await alice.post(`/rooms/${room.id}/close`);
      expect(closed.body).toMatchObject({ participantCount: 0, previewUserIds: [] });
      const changed = await alice.createRoom({ title: 'To rename' });
      expect((await alice.patch(`/rooms/${changed.id}`, { title: 'Renamed' })).body).toMatchObject({
        participantCount: 0,
        previewUserIds: [],
      });
    });
  });

  describe('search', () => {
    beforeEach(async () => {
      for (const title of [
        'Late Night JAZZ',
        'acid-jazz lovers',
        'Jazzercise at noon',
        'Rock & Roll',
        '100% vinyl',
        'snake_case fans',
      ]) {
        await alice.createRoom({ title });
      }
    });

    it('finds the words anywhere in the title, whatever their case', async () => {
      expect(await titles('q=JAZZ')).toEqual([
        'Jazzercise at noon',
        'acid-jazz lovers',
        'Late Night JAZZ',
      ]);
      expect(await titles('q=azz')).toHaveLength(3);
      expect(await titles('q=night%20jazz')).toEqual(['Late Night JAZZ']);
      expect(await titles('q=ERCI')).toEqual(['Jazzercise at noon']);
    });

    it('finds titles by one or two characters too (shorter than a trigram)', async () => {
      expect(await titles('q=%26')).toEqual(['Rock & Roll']);
      expect(await titles('q=ni')).toEqual(['Late Night JAZZ']);
    });

    it('takes % and _ literally', async () => {
      expect(await titles('q=%25')).toEqual(['100% vinyl']);
      expect(await titles('q=_')).toEqual(['snake_case fans']);
      expect(await titles('q=e_c')).toEqual(['snake_case fans']);
      expect(await titles('q=nothing%20like%20this')).toEqual([]);
    });
  });

  describe('filters', () => {
    it('combines search, language and topic, each case-insensitively', async () => {
      await alice.createRoom({ title: 'Jazz club', language: 'en-GB', topic: 'Music' });
      await alice.createRoom({ title: 'Jazz club', language: 'en-US', topic: 'music' });
      await alice.createRoom({ title: 'Jazz club', language: 'enm', topic: 'music' });
      await alice.createRoom({ title: 'Jazz club', language: 'fr', topic: 'music' });
      await alice.createRoom({ title: 'Jazz club', language: 'en', topic: 'history' });
      await alice.createRoom({ title: 'Book club', language: 'en', topic: 'music' });
      const languages = async (query: string) =>
        (await listed(query)).map((r) => `${r.language}/${r.topic}`).sort();

      expect(await languages('q=jazz&language=en&topic=MUSIC')).toEqual([
        'en-GB/Music',
        'en-US/music',
      ]);
      expect(await languages('q=jazz&language=en-gb&topic=music')).toEqual(['en-GB/Music']);
      expect(await languages('q=jazz&language=en')).toEqual([
        'en-GB/Music',
        'en-US/music',
        'en/history',
      ]);
      expect(await languages('language=enm')).toEqual(['enm/music']);
      expect(await languages('q=club&topic=music&language=EN')).toEqual([
        'en-GB/Music',
        'en-US/music',
        'en/music',
      ]);
      expect(await languages('q=jazz&language=de')).toEqual([]);
    });

    it('matches the topic exactly, with % and _ taken literally', async () => {
      await alice.createRoom({ title: 'A', language: 'en', topic: 'k_pop' });
      await alice.createRoom({ title: 'B', language: 'en', topic: 'kxpop' });
      await alice.createRoom({ title: 'C', language: 'en', topic: 'k-pop fans' });
      expect(await titles('topic=K_POP')).toEqual(['A']);
      expect(await titles('topic=k%25')).toEqual([]);
    });
  });

  describe('pages', () => {
    /** Every page of a query with `limit`, following nextCursor, and the rooms they held. */
    const allPages = async (query: string, limit: number) => {
      const pages: string[][] = [];
      let cursor: string | null = null;
      do {
        const res: Json = await bob.get(
          `/rooms?${query}&limit=${limit}${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`,
        );
        expect(res.status).toBe(200);
        pages.push(res.body.rooms.map((r: { title: string }) => r.title));
        cursor = res.body.nextCursor;
      } while (cursor);
      return pages;
    };

    it('never skips or repeats a room, with ties in creation time broken by id', async () => {
      const made: Json[] = [];
      for (let i = 0; i < 9; i++) {
        made.push(await alice.createRoom({ title: `Talk ${i}`, topic: i % 3 ? 'tech' : 'art' }));
      }
      // Five rooms created in the same millisecond: the id decides their order.
      await rooms().db.query(
        `UPDATE rooms SET created_at = '2026-01-01T00:00:00.000Z' WHERE id = ANY($1)`,
        [made.slice(2, 7).map((r) => r.id)],
      );
      const whole = (await listed('q=talk&limit=100')).map((r) => r.title);
      expect(whole).toHaveLength(9);
      for (const limit of [1, 2, 4]) {
        const pages = await allPages('q=talk', limit);
        expect(pages.flat()).toEqual(whole);
        expect(pages.length).toBe(Math.ceil(9 / limit));
      }
      const tech = (await listed('topic=tech&limit=100')).map((r) => r.title);
      expect((await allPages('topic=tech', 2)).flat()).toEqual(tech);
    });

    it('keeps its place when rooms are created meanwhile, and lists my private rooms among the public ones', async () => {
      const mine = await bob.createRoom({ title: 'Room 0 (bob, private)', visibility: 'private' });
      await alice.createRoom({ title: 'Room 1 (alice, private)', visibility: 'private' });
      for (let i = 2; i < 6; i++) await alice.createRoom({ title: `Room ${i}` });

      const first: Json = await bob.get('/rooms?q=room&limit=2');
      expect(first.body.rooms.map((r: Json) => r.title)).toEqual(['Room 5', 'Room 4']);
      await alice.createRoom({ title: 'Room 6 (newer than the cursor)' });
      const rest = await bob.get(`/rooms?q=room&limit=10&cursor=${first.body.nextCursor}`);
      expect(rest.body.rooms.map((r: Json) => r.title)).toEqual([
        'Room 3',
        'Room 2',
        'Room 0 (bob, private)',
      ]);
      expect(rest.body.rooms.at(-1)).toMatchObject({ id: mine.id, myRole: 'owner' });
      expect(rest.body.nextCursor).toBeNull();
    });
  });

  describe('on a fresh database', () => {
    it('has the trigram extension and the list’s indexes from the migrations', async () => {
      const { rows: ext } = await rooms().db.query(
        "SELECT extname FROM pg_extension WHERE extname = 'pg_trgm'",
      );
      expect(ext).toHaveLength(1);
      const { rows } = await rooms().db.query(
        "SELECT indexname FROM pg_indexes WHERE tablename = 'rooms' ORDER BY indexname",
      );
      expect(rows.map((r: { indexname: string }) => r.indexname)).toEqual([
        'rooms_language_list_idx',
        'rooms_pkey',
        'rooms_public_list_idx',
        'rooms_title_trgm_idx',
        'rooms_topic_list_idx',
      ]);
      const { rows: migrations } = await rooms().db.query(
        'SELECT migration_name, finished_at FROM "_prisma_migrations" ORDER BY migration_name',
      );
      expect(migrations.map((m: Json) => m.migration_name)).toEqual([
        '20250601000000_init',
        '20261206000000_room_search',
        '20261207000000_chat_retention',
        '20261208000000_webinar_viewers',
      ]);
      expect(migrations.every((m: Json) => m.finished_at !== null)).toBe(true);
    });
  });
});

/**
 * The statements the service runs, planned by PostgreSQL against a tenant with many rooms: each
 * kind of list query is answered from its index (a plan that reads the whole table would pass
 * the functional tests above and still be slow with many rooms).
 */
describe('the lobby’s query plans', () => {
  const rooms = useRoomsApp();
  const tenant = 'tenant-many-rooms';
  const ROOMS = 20_000;

  beforeAll(async () => {
    await rooms().db.query(
      `INSERT INTO rooms (tenant_id, id, owner_id, title, topic, language, capacity, visibility, created_at)
       SELECT $1, 'room-' || g, 'owner-' || (g % 500),
              (ARRAY['Jazz', 'Chess', 'Yoga', 'Python', 'Poetry'])[1 + g % 5] || ' night '
                || CASE WHEN g IN (7777, 17777) THEN 'zanzibar ' ELSE '' END || g,
              (ARRAY['music', 'games', 'wellness', 'tech', 'books', 'art'])[1 + g % 6],
              (ARRAY['en', 'en-GB', 'es', 'fr', 'de', 'ja', 'pt-BR', 'sv'])[1 + g % 8],
              50, CASE WHEN g % 10 = 0 THEN 'private' ELSE 'public' END::"RoomVisibility",
              timestamptz '2026-01-01' + g * interval '1 second'
         FROM generate_series(1, ${ROOMS}) g`,
      [tenant],
    );
    await rooms().db.query('ANALYZE rooms');
  }, 60_000);

  interface PlanNode {
    'Node Type': string;
    'Relation Name'?: string;
    'Index Name'?: string;
    'Index Cond'?: string;
    Plans?: PlanNode[];
  }
  const nodesOf = (node: PlanNode): PlanNode[] => [
    node,
    ...(node.Plans ?? []).flatMap((child) => nodesOf(child)),
  ];

  /** The nodes of PostgreSQL's plan for the statement the service runs for `query`. */
  const plan = async (query: Omit<RoomSearchQuery, 'tenantId' | 'userId' | 'take'>) => {
    const sql = roomSearchSql({ tenantId: tenant, userId: 'owner-1', take: 21, ...query });
    const { rows } = await rooms().db.query(`EXPLAIN (FORMAT JSON) ${sql.text}`, sql.values);
    const nodes = nodesOf(rows[0]['QUERY PLAN'][0].Plan as PlanNode);
    return {
      indexes: nodes.flatMap((n) => (n['Index Name'] ? [n['Index Name']] : [])),
      readsAllRooms: nodes.some(
        (n) => n['Node Type'] === 'Seq Scan' && n['Relation Name'] === 'rooms',
      ),
      indexConditions: nodes.flatMap((n) => (n['Index Cond'] ? [n['Index Cond']] : [])),
    };
  };

  // Two titles of 20,000 hold the word: rare, as ANALYZE's statistics say too.
  it('finds a rare word in titles through the trigram index', async () => {
    const p = await plan({ q: 'Zanzibar' });
    expect(p.indexes).toContain('rooms_title_trgm_idx');
    expect(p.readsAllRooms).toBe(false);
  });

  it('filters by language and by topic through their indexes, in the list’s order', async () => {
    const language = await plan({ language: 'sv' });
    expect(language.indexes).toContain('rooms_language_list_idx');
    expect(language.readsAllRooms).toBe(false);
    const topic = await plan({ topic: 'Art' });
    expect(topic.indexes).toContain('rooms_topic_list_idx');
    expect(topic.readsAllRooms).toBe(false);
  });

  it('starts a deep page at the cursor in the list index', async () => {
    const p = await plan({ after: { t: new Date('2026-01-01T01:00:00Z'), id: 'room-3600' } });
    expect(p.indexes).toContain('rooms_public_list_idx');
    expect(p.indexConditions.join(' ')).toMatch(/ROW\(created_at, id\) < ROW/);
  });
});
