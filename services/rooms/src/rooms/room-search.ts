import type { RoomRole } from '@cascade/contracts';

import { Prisma, type PrismaClient, type Room } from '../generated/prisma/client';

/** One page of the lobby list, as asked for: whose, which rooms, after which room, how many. */
export interface RoomSearchQuery {
  tenantId: string;
  /** The caller: their private rooms are listed too, with their role in each room. */
  userId: string;
  /** Words that the title contains, case-insensitively. */
  q?: string;
  /** A BCP 47 tag: rooms in that language or a more specific tag of it (`en` finds `en-GB`). */
  language?: string;
  /** The topic, case-insensitively. */
  topic?: string;
  /** The sort key of the previous page's last room. */
  after?: { t: Date; id: string };
  take: number;
}

export interface ListedRoom {
  room: Room;
  myRole: RoomRole | null;
}

type RoomRow = Room & { myRole: RoomRole | null };

/**
 * The lobby list's query: the tenant's active public rooms and the active private rooms the
 * caller is a member of, newest first (ties broken by id), filtered. Written in SQL so that each
 * part has the shape its index in the migration `20261206000000_room_search` expects:
 *
 * - public and private rooms are two branches, each already in the list's order (the public
 *   rooms by `rooms_public_list_idx` or a filter's index, the caller's private rooms through
 *   their memberships), merged and cut to the page; an `OR` between them would make the
 *   planner read every candidate room and sort;
 * - the cursor is a row comparison, `(created_at, id) < (t, id)`, which an index range scan
 *   starts from directly (an `OR` of two conditions would be a filter over every newer room);
 * - the title search is `ILIKE` with the typed words escaped, which the trigram index serves;
 * - the language filter compares the primary language subtag as the index computes it;
 * - the caller's role is looked up per room of the page (a primary key lookup each), after the
 *   page is cut.
 */
export class RoomSearch {
  constructor(private readonly db: PrismaClient) {}

  async find(query: RoomSearchQuery): Promise<ListedRoom[]> {
    const rows = await this.db.$queryRaw<RoomRow[]>(roomSearchSql(query));
    return rows.map(({ myRole, ...room }) => ({ room, myRole }));
  }
}

/** The statement {@link RoomSearch.find} runs (the benchmark and the tests EXPLAIN it). */
export function roomSearchSql(query: RoomSearchQuery): Prisma.Sql {
  const filters = Prisma.join([Prisma.sql`TRUE`, ...filterConditions(query)], ' AND ');
  return Prisma.sql`
    WITH page AS (
      (SELECT r.* FROM rooms r
        WHERE r.tenant_id = ${query.tenantId} AND r.status = 'active' AND r.visibility = 'public'
          AND ${filters}
        ORDER BY r.created_at DESC, r.id DESC
        LIMIT ${query.take}::int)
      UNION ALL
      (SELECT r.* FROM room_members m
        JOIN rooms r ON r.tenant_id = m.tenant_id AND r.id = m.room_id
        WHERE m.tenant_id = ${query.tenantId} AND m.user_id = ${query.userId}
          AND r.status = 'active' AND r.visibility = 'private'
          AND ${filters}
        ORDER BY r.created_at DESC, r.id DESC
        LIMIT ${query.take}::int)
    )
    SELECT r.tenant_id AS "tenantId", r.id, r.owner_id AS "ownerId", r.title, r.topic,
           r.language, r.capacity, r.viewer_capacity AS "viewerCapacity",
           r.visibility::text AS visibility, r.status::text AS status,
           r.created_at AS "createdAt", r.last_active_at AS "lastActiveAt",
           r.closed_at AS "closedAt",
           (SELECT me.role::text FROM room_members me
             WHERE me.tenant_id = r.tenant_id AND me.room_id = r.id AND me.user_id = ${query.userId})
             AS "myRole"
      FROM page r
     ORDER BY r.created_at DESC, r.id DESC
     LIMIT ${query.take}::int`;
}

function filterConditions(query: RoomSearchQuery): Prisma.Sql[] {
  const conditions: Prisma.Sql[] = [];
  if (query.q !== undefined) {
    conditions.push(Prisma.sql`r.title ILIKE ${containsPattern(query.q)}`);
  }
  if (query.language !== undefined) {
    const { primary, tag, exact } = languageMatch(query.language);
    conditions.push(Prisma.sql`lower(split_part(r.language, '-', 1)) = ${primary}`);
    if (!exact) {
      conditions.push(
        Prisma.sql`(lower(r.language) = ${tag} OR starts_with(lower(r.language), ${`${tag}-`}))`,
      );
    }
  }
  if (query.topic !== undefined) {
    conditions.push(Prisma.sql`lower(r.topic) = lower(${query.topic})`);
  }
  if (query.after) {
    conditions.push(
      Prisma.sql`(r.created_at, r.id) < (${query.after.t.toISOString()}::timestamptz, ${query.after.id})`,
    );
  }
  return conditions;
}

/** An `ILIKE` pattern matching titles that contain `words` literally (`%`, `_`, `\` escaped). */
export function containsPattern(words: string): string {
  return `%${words.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
}

/**
 * How a language filter matches, lower-cased: rooms whose primary subtag is `primary`, and,
 * unless the filter is only that subtag (`exact`), whose tag is `tag` or starts with `tag-`.
 */
export function languageMatch(language: string): { primary: string; tag: string; exact: boolean } {
  const tag = language.toLowerCase();
  const primary = tag.split('-', 1)[0] ?? tag;
  return { primary, tag, exact: primary === tag };
}
