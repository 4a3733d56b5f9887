import type { Pool } from 'pg';

/**
 * The benchmark's rooms: a large tenant's lobby as it could look after a year, generated from a
 * fixed seed (the same rooms on every run). Titles are made of words picked with skewed
 * frequencies (a few very common, like "Chat", many rare), so that searches for a common word, a
 * rare word and a prefix behave as they would on real titles.
 */
export interface SeedSettings {
  /** Rooms of the measured tenant. */
  rooms: number;
  /** Rooms of a second tenant, in the same table and indexes. */
  otherTenantRooms: number;
}

export const TENANT = 'bench-tenant';
export const OTHER_TENANT = 'bench-other-tenant';
/** The caller of every measured request: a member of a few private rooms. */
export const CALLER = 'bench-caller';
/** A word in about 0.03% of titles. */
export const RARE_WORD = 'Zanzibar';

export interface SeedStats {
  rooms: Record<string, number>;
  activeRooms: number;
  publicActiveRooms: number;
  members: number;
  callerPrivateRooms: number;
  participantsPresent: number;
  participantsLeft: number;
  roomsWithPeople: number;
  languages: number;
  topics: number;
}

const PREFIXES = (
  'Late Night|Morning|Sunday|Friday|Casual|Beginner|Advanced|Weekly|Daily|Open|Friendly|' +
  'Quiet|Global|Cozy|Rainy Day|Midnight|Lunchtime|After Work|Weekend|Chill|Deep|Lazy|Rapid|' +
  'Honest|Big|Little|Fresh|Sunny|Spicy|Slow|Loud|Tiny|Ambitious|Curious|Nerdy|Retro'
).split('|');
const SUBJECTS = (
  'Jazz|Spanish|Python|Startup|Chess|Yoga|K-pop|Photography|Poetry|English|Coffee|Gaming|' +
  'Crypto|Anime|Cooking|Japanese|Football|Film|Philosophy|Design|French|Meditation|Hip-hop|' +
  'Running|Astronomy|History|Rust|TypeScript|Marketing|Investing|Parenting|Gardening|Lo-fi|' +
  'Blues|Techno|Baking|Wine|Knitting|Basketball|Tennis|Cricket|Physics|Mathematics|Careers|' +
  'Interview Prep|UX|Product|Sales|German|Italian|Korean|Portuguese|Arabic|Hindi|Turkish|' +
  'Mandarin|Russian|Swedish|Dutch|Polish|Saxophone|Guitar|Piano|Drums|Singing|Karaoke|' +
  'Comedy|Improv|Debate|Politics|News|Science|Space|Art|Painting|Drawing|Crafts|Plants|' +
  'Dogs|Cats|Travel|Hiking|Climbing|Cycling|Swimming|Fitness|Nutrition|Sleep|Mental Health|' +
  'Writing|Book|Sci-fi|Fantasy|Mystery|Podcasting|Radio|Vinyl|Synths|Opera|Ballet|Theatre|' +
  'Architecture|Economics|Law|Medicine|Nursing|Teaching|Homework|Exam|Calculus|Chemistry|' +
  'Biology|Robotics|AI|Machine Learning|Data|DevOps|Kubernetes|WebRTC|Linux|Open Source|' +
  'Indie Games|Speedrunning|Retro Games|Board Games|Poker|Go|Sudoku|Crosswords|Trivia|Quiz|' +
  'Genealogy|Birdwatching|Fishing|Sailing|Surfing|Skiing|Skateboarding|Photography Walk'
).split('|');
const KINDS = (
  'Chat|Hangout|Session|Meetup|Club|Practice|Circle|Lounge|Jam|Q&A|Study Group|Talk|Corner|' +
  'Café|Workshop|Debate|Night|Room|AMA|Open Mic|Sprint|Support Group|Office Hours|Marathon|' +
  'Watch Party'
).split('|');
/** About 20 languages, English and Spanish most common. */
const LANGUAGES: Array<[string, number]> = [
  ['en', 22],
  ['en-US', 8],
  ['en-GB', 5],
  ['es', 10],
  ['es-MX', 3],
  ['pt-BR', 7],
  ['fr', 6],
  ['de', 6],
  ['it', 3],
  ['ja', 4],
  ['ko', 3],
  ['zh-Hans', 4],
  ['ru', 3],
  ['ar', 3],
  ['hi', 3],
  ['tr', 2],
  ['pl', 2],
  ['nl', 2],
  ['sv', 1],
  ['id', 3],
];
const TOPICS = (
  'music|languages|tech|games|wellness|books|art|science|sports|food|travel|film|news|' +
  'careers|study|parenting|pets|comedy|finance|fitness|photography|history|philosophy|' +
  'politics|design|writing|faith|outdoors|diy|fashion'
).split('|');

/** Mulberry32: a small seeded generator, so that every run has the same rooms. */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Picks from `items` with Zipf-like weights (the first far more often than the last). */
function zipf<T>(items: readonly T[], rand: () => number, exponent = 1): () => T {
  const weights = items.map((_, i) => 1 / (i + 1) ** exponent);
  return weighted(
    items.map((item, i) => [item, weights[i]!] as [T, number]),
    rand,
  );
}

function weighted<T>(items: ReadonlyArray<[T, number]>, rand: () => number): () => T {
  const total = items.reduce((sum, [, w]) => sum + w, 0);
  const cumulative: number[] = [];
  let sum = 0;
  for (const [, w] of items) cumulative.push((sum += w / total));
  return () => {
    const r = rand();
    const i = cumulative.findIndex((c) => r < c);
    return items[i === -1 ? items.length - 1 : i]![0];
  };
}

interface RoomRow {
  tenantId: string;
  id: string;
  ownerId: string;
  title: string;
  topic: string | null;
  language: string;
  visibility: 'public' | 'private';
  status: 'active' | 'closed';
  createdAt: Date;
}

function generateRooms(
  tenantId: string,
  idPrefix: string,
  count: number,
  seed: number,
  now: number,
): RoomRow[] {
  const rand = random(seed);
  const prefix = zipf(PREFIXES, rand, 0.6);
  const subject = zipf(SUBJECTS, rand, 0.7);
  const kind = zipf(KINDS, rand, 1.1);
  const language = weighted(LANGUAGES, rand);
  const topic = zipf(TOPICS, rand, 0.8);
  // Rooms created over a year, oldest first, a few minutes apart.
  const span = 365 * 24 * 3600 * 1000;
  const rooms: RoomRow[] = [];
  for (let i = 0; i < count; i++) {
    const shape = rand();
    const s = rand() < 0.0003 ? RARE_WORD : subject();
    const title =
      shape < 0.45
        ? `${prefix()} ${s} ${kind()}`
        : shape < 0.75
          ? `${s} ${kind()}`
          : shape < 0.9
            ? `${s} & ${subject()} ${kind()}`
            : `${kind()}: ${s} for ${prefix().toLowerCase()} people`;
    rooms.push({
      tenantId,
      id: `${idPrefix}-${i.toString(36).padStart(5, '0')}-${Math.floor(rand() * 1e9).toString(36)}`,
      ownerId: `user-${Math.floor(rand() * 20_000)}`,
      title,
      topic: rand() < 0.1 ? null : topic(),
      language: language(),
      visibility: rand() < 0.12 ? 'private' : 'public',
      status: rand() < 0.07 ? 'closed' : 'active',
      createdAt: new Date(now - span + Math.floor((span * (i + rand() * 0.5)) / count)),
    });
  }
  return rooms;
}

async function insertRooms(pool: Pool, rooms: RoomRow[]): Promise<void> {
  const BATCH = 5_000;
  for (let start = 0; start < rooms.length; start += BATCH) {
    const batch = rooms.slice(start, start + BATCH);
    const column = <K extends keyof RoomRow>(key: K) => batch.map((r) => r[key]);
    await pool.query(
      `INSERT INTO rooms (tenant_id, id, owner_id, title, topic, language, capacity, visibility,
                          status, created_at, last_active_at, closed_at)
       SELECT t, id, o, ti, tp, l, 50, v::"RoomVisibility", s::"RoomStatus", c, c,
              CASE WHEN s = 'closed' THEN c + interval '1 hour' END
         FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[],
                     $7::text[], $8::text[], $9::timestamptz[])
           AS x(t, id, o, ti, tp, l, v, s, c)`,
      [
        column('tenantId'),
        column('id'),
        column('ownerId'),
        column('title'),
        column('topic'),
        column('language'),
        column('visibility'),
        column('status'),
        column('createdAt'),
      ],
    );
    // Each room's owner is its first member, as `POST /rooms` makes it.
    await pool.query(
      `INSERT INTO room_members (tenant_id, room_id, user_id, role, created_at)
       SELECT t, id, o, 'owner', c FROM unnest($1::text[], $2::text[], $3::text[], $4::timestamptz[])
         AS x(t, id, o, c)`,
      [column('tenantId'), column('id'), column('ownerId'), column('createdAt')],
    );
  }
}

/**
 * Inserts the rooms, their owners, the caller's memberships and presence, then VACUUM ANALYZE
 * (a table that has been live for a while, not one just loaded).
 */
export async function seed(pool: Pool, settings: SeedSettings): Promise<SeedStats> {
  const now = Date.now();
  await insertRooms(pool, generateRooms(TENANT, 'r', settings.rooms, 42, now));
  await insertRooms(pool, generateRooms(OTHER_TENANT, 'o', settings.otherTenantRooms, 7, now));

  // The caller is a member of 40 private rooms spread over the year.
  await pool.query(
    `INSERT INTO room_members (tenant_id, room_id, user_id, role)
     SELECT tenant_id, id, $2, 'member' FROM rooms
      WHERE tenant_id = $1 AND visibility = 'private' AND owner_id <> $2
      ORDER BY md5(id) LIMIT 40`,
    [TENANT, CALLER],
  );

  // Presence: most of the newest rooms have people in them (1 to 25), a few older ones too;
  // earlier visitors have left (their rows stay, state 'left').
  await pool.query(
    `WITH live AS (
       SELECT tenant_id, id, created_at,
              row_number() OVER (PARTITION BY tenant_id ORDER BY created_at DESC) AS recency
         FROM rooms WHERE status = 'active'
     ), occupied AS (
       SELECT tenant_id, id, created_at,
              CASE WHEN recency <= 2000 THEN 1 + (abs(hashtext(id)) % 25)
                   ELSE 1 + (abs(hashtext(id)) % 10) END AS people
         FROM live
        WHERE (recency <= 2000 AND abs(hashtext(id || 'p')) % 10 < 6)
           OR abs(hashtext(id || 'p')) % 100 < 2
     )
     INSERT INTO room_participants (tenant_id, room_id, participant_id, user_id, state,
                                    joined_at, left_at)
     SELECT o.tenant_id, o.id, 'p-' || n || '-' || gone, 'user-' || (abs(hashtext(o.id || n)) % 20000),
            CASE WHEN gone = 1 THEN 'left' ELSE 'present' END::"ParticipantState",
            greatest(o.created_at, now() - interval '2 hours') + n * interval '7 seconds',
            CASE WHEN gone = 1 THEN now() - interval '5 minutes' END
       FROM occupied o, generate_series(1, o.people) n, generate_series(0, 1) gone`,
  );
  await pool.query('VACUUM ANALYZE');

  const count = async (sql: string, params: unknown[] = []) =>
    Number((await pool.query<{ n: string }>(sql, params)).rows[0]!.n);
  const byTenant = await pool.query<{ tenant_id: string; n: string }>(
    'SELECT tenant_id, count(*) AS n FROM rooms GROUP BY tenant_id ORDER BY tenant_id',
  );
  return {
    rooms: Object.fromEntries(byTenant.rows.map((r) => [r.tenant_id, Number(r.n)])),
    activeRooms: await count(
      "SELECT count(*) AS n FROM rooms WHERE tenant_id = $1 AND status = 'active'",
      [TENANT],
    ),
    publicActiveRooms: await count(
      "SELECT count(*) AS n FROM rooms WHERE tenant_id = $1 AND status = 'active' AND visibility = 'public'",
      [TENANT],
    ),
    members: await count('SELECT count(*) AS n FROM room_members'),
    callerPrivateRooms: await count(
      'SELECT count(*) AS n FROM room_members WHERE tenant_id = $1 AND user_id = $2',
      [TENANT, CALLER],
    ),
    participantsPresent: await count(
      "SELECT count(*) AS n FROM room_participants WHERE state = 'present'",
    ),
    participantsLeft: await count(
      "SELECT count(*) AS n FROM room_participants WHERE state = 'left'",
    ),
    roomsWithPeople: await count(
      "SELECT count(DISTINCT (tenant_id, room_id)) AS n FROM room_participants WHERE state = 'present'",
    ),
    languages: LANGUAGES.length,
    topics: TOPICS.length,
  };
}
