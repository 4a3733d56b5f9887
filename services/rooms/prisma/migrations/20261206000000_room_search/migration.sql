-- Indexes for the lobby's room list (`GET /rooms`, src/rooms/room-search.ts): a tenant's active
-- rooms, newest first (`created_at DESC, id DESC`, the cursor being that pair), searched by
-- title (case-insensitive substring) and filtered by language and topic. The list is asked
-- for as the user types and every few seconds: each shape of the query below is served by an
-- index, so that its cost depends on the page size, not on the number of rooms.
--
-- The list query is two branches, each walking one of these indexes in order: the tenant's
-- public rooms (`visibility = 'public'`), and the private rooms the caller is a member of
-- (through `room_members_tenant_id_user_id_idx`, a handful per user). `visibility` is therefore
-- the second column of every btree below, and each is partial on `status = 'active'`: closed
-- rooms never appear in the list, and as they pile up they stay out of these indexes.
--
-- These indexes are not in schema.prisma: Prisma's schema cannot express expression indexes
-- (and partial indexes and operator classes only as preview features). A future
-- `prisma migrate dev` would propose dropping them; keep them out of generated migrations.
--
-- pg_trgm is a trusted extension (PostgreSQL 13 and later): the database owner creates it
-- without superuser rights. On an older server, or where the service's role does not own the
-- database, an administrator runs `CREATE EXTENSION pg_trgm;` in the rooms database first.
--
-- Migrations run inside a transaction, so these indexes are built without CONCURRENTLY: on a
-- large existing rooms table, build them beforehand with CREATE INDEX CONCURRENTLY (same names
-- and definitions; IF NOT EXISTS below then skips them).

CREATE EXTENSION IF NOT EXISTS pg_trgm;

-- Title search: `title ILIKE '%<q>%'` (the words typed, with % _ \ escaped). A trigram GIN index
-- answers ILIKE for any substring of three characters or more, case-insensitively (trigrams are
-- case-folded), wherever it is in the title; a btree cannot serve a pattern that starts with a
-- wildcard. The planner uses it when the words are rare (few matches, sorted afterwards) and
-- walks `rooms_public_list_idx` in order instead when they are common (the first page fills
-- within a few hundred rooms). `fastupdate = off`: rooms are created at human pace but searched
-- on every keystroke, so new titles go straight into the index instead of a pending list that
-- every search would read through (and that makes the planner shun the index) until vacuum.
CREATE INDEX IF NOT EXISTS "rooms_title_trgm_idx"
    ON "rooms" USING gin ("title" gin_trgm_ops)
    WITH (fastupdate = off)
    WHERE "status" = 'active';

-- The unfiltered list and deep pages: equality on tenant and visibility, then the list's order,
-- so that a page is the next `limit` entries of the index after the cursor
-- (`(created_at, id) < (cursor)` is a range condition on the last two columns), however deep.
CREATE INDEX IF NOT EXISTS "rooms_public_list_idx"
    ON "rooms" ("tenant_id", "visibility", "created_at" DESC, "id" DESC)
    WHERE "status" = 'active';

-- Language filter: `language=en` matches `en`, `en-GB`, `en-US`… (the tag or a longer tag that
-- starts with it), case-insensitively. All of them share the primary language subtag, so the
-- index keys on `lower(split_part(language, '-', 1))` and the query compares that expression
-- (the full tag, when the filter has subtags, is then checked on the few rooms found), followed
-- by the list's order: a filtered page is a contiguous run of the index, even for a rare
-- language.
CREATE INDEX IF NOT EXISTS "rooms_language_list_idx"
    ON "rooms" ("tenant_id", "visibility", lower(split_part("language", '-', 1)), "created_at" DESC, "id" DESC)
    WHERE "status" = 'active';

-- Topic filter: case-insensitive equality (`lower(topic) = lower(<topic>)`), then the list's
-- order, for the same reason.
CREATE INDEX IF NOT EXISTS "rooms_topic_list_idx"
    ON "rooms" ("tenant_id", "visibility", lower("topic"), "created_at" DESC, "id" DESC)
    WHERE "status" = 'active';

-- Superseded by rooms_public_list_idx (the list never shows closed rooms, and the public branch
-- of the query needs visibility before the order); nothing else reads rooms by status.
DROP INDEX IF EXISTS "rooms_tenant_id_status_created_at_id_idx";
