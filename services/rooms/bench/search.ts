/**
 * Rooms lobby benchmark: latency of `GET /rooms` (title search, language and topic filters,
 * first and deep pages) through the built rooms service on a tenant with many rooms, without
 * and with the search migration's indexes, in one run on the same data.
 *
 *   npx turbo run build --filter=@cascade/rooms...
 *   cd services/rooms && npm run bench [-- --rooms 100000 --other-rooms 10000 --iterations 300
 *     --warmup 20 --deep 50000 --no-write]
 *
 * Flags can also be given as ROOMS_BENCH_<FLAG> (upper case, dashes as underscores). Unknown
 * arguments are ignored. It creates the database `cascade_bench_rooms` (dropped first) on the
 * PostgreSQL server of DATABASE_URL (default postgresql://postgres@127.0.0.1:5432/postgres),
 * applies the migrations, seeds it, starts the service from dist/ against it and NATS
 * (NATS_URL, default nats://127.0.0.1:4222), and writes bench-results/rooms-search.md and .json
 * at the repository root.
 */
import { generateKeyPairSync, randomUUID } from 'node:crypto';
import { loadavg } from 'node:os';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';

import { ListRoomsQuery } from '@cascade/contracts';
import { applyPrismaMigrations } from '@cascade/server-kit';
import { ServiceProcess, benchMachine } from '@cascade/testing';
import jwt from 'jsonwebtoken';
import { Client, Pool } from 'pg';

import { MIGRATIONS_DIR } from '../src/database/migrations-dir';
import { TimeIdCursor, decodeCursor, timeIdCursor } from '../src/http/cursor';
import { type RoomSearchQuery, roomSearchSql } from '../src/rooms/room-search';
import { type IndexMode, applyIndexMode, readIndexStates } from './indexes';
import {
  type BenchReport,
  GOAL_P99_MS,
  type KindResult,
  type PlanSummary,
  distribution,
  writeReport,
} from './report';
import { CALLER, RARE_WORD, TENANT, seed } from './seed';

const DATABASE = 'cascade_bench_rooms';
const PAGE_SIZE = 20;
const ISSUER = 'https://identity.bench';
const AUDIENCE = 'cascade';

const OPTIONS = {
  rooms: { type: 'string' },
  'other-rooms': { type: 'string' },
  iterations: { type: 'string' },
  warmup: { type: 'string' },
  deep: { type: 'string' },
  'no-write': { type: 'boolean' },
} as const;

function settings() {
  const { values } = parseArgs({ strict: false, options: OPTIONS });
  const get = (name: keyof typeof OPTIONS): string | boolean | undefined => {
    const flag = values[name];
    if (flag !== undefined) return flag;
    const env = process.env[`ROOMS_BENCH_${name.toUpperCase().replaceAll('-', '_')}`];
    if (env === undefined || env === '') return undefined;
    return OPTIONS[name].type === 'boolean' ? env !== '0' && env !== 'false' : env;
  };
  const int = (name: keyof typeof OPTIONS, fallback: number) => {
    const v = get(name);
    const n = typeof v === 'string' ? Number.parseInt(v, 10) : NaN;
    return Number.isFinite(n) && n >= 0 ? n : fallback;
  };
  return {
    rooms: int('rooms', 100_000),
    otherRooms: int('other-rooms', 10_000),
    iterations: Math.max(1, int('iterations', 300)),
    warmup: int('warmup', 20),
    deep: int('deep', 50_000),
    write: !get('no-write'),
  };
}

const log = (line: string) => console.log(`[${new Date().toISOString().slice(11, 19)}] ${line}`);

interface Kind {
  key: string;
  label: string;
  params: Record<string, string>;
}

/** The query kinds measured; the deep page's cursor is found once the data is in. */
function kinds(deepCursor: string): Kind[] {
  return [
    { key: 'title-common', label: 'Title, common word', params: { q: 'chat' } },
    { key: 'title-rare', label: 'Title, rare word', params: { q: RARE_WORD.toLowerCase() } },
    { key: 'title-prefix', label: 'Title, 3-letter prefix', params: { q: 'pho' } },
    { key: 'title-none', label: 'Title, no match (typo)', params: { q: 'zanzibra' } },
    { key: 'language', label: 'Language', params: { language: 'es' } },
    { key: 'language-rare', label: 'Language, rare', params: { language: 'sv' } },
    { key: 'topic', label: 'Topic', params: { topic: 'travel' } },
    {
      key: 'language-topic',
      label: 'Language and topic, rare',
      params: { language: 'sv', topic: 'diy' },
    },
    {
      key: 'search-language',
      label: 'Title and language',
      params: { q: 'chat', language: 'ja' },
    },
    { key: 'first-page', label: 'First page', params: {} },
    { key: 'deep-page', label: 'Deep page (cursor)', params: { cursor: deepCursor } },
  ];
}

const queryString = (kind: Kind) => new URLSearchParams(kind.params).toString();

/** The statement the service runs for a kind's page, as RoomDirectory.list builds it. */
function searchQuery(kind: Kind, take: number): RoomSearchQuery {
  const query = ListRoomsQuery.parse({ ...kind.params, limit: String(PAGE_SIZE) });
  const after = query.cursor ? decodeCursor(TimeIdCursor, query.cursor) : undefined;
  return {
    tenantId: TENANT,
    userId: CALLER,
    q: query.q,
    language: query.language,
    topic: query.topic,
    after: after && { t: new Date(after.t), id: after.id },
    take,
  };
}

interface PlanNode {
  'Node Type': string;
  'Relation Name'?: string;
  'Index Name'?: string;
  'Actual Rows'?: number;
  'Actual Loops'?: number;
  'Rows Removed by Filter'?: number;
  'Rows Removed by Index Recheck'?: number;
  Plans?: PlanNode[];
}

const nodesOf = (node: PlanNode): PlanNode[] => [
  node,
  ...(node.Plans ?? []).flatMap((child) => nodesOf(child)),
];

/**
 * How PostgreSQL answers a kind's page statement: EXPLAIN ANALYZE once (after the warm-up), the
 * public rooms' branch summarized (the caller's private rooms come through their memberships),
 * the whole plan kept as text for the JSON report.
 */
async function planOf(pool: Pool, kind: Kind): Promise<PlanSummary> {
  const sql = roomSearchSql(searchQuery(kind, PAGE_SIZE + 1));
  const explain = (format: string) =>
    pool.query(`EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF, ${format}) ${sql.text}`, sql.values);
  const json = await explain('FORMAT JSON');
  const root = json.rows[0]['QUERY PLAN'][0].Plan as PlanNode;
  const all = nodesOf(root);
  // UNION ALL keeps the branches in order under its (Merge) Append: public rooms first.
  const union = all.find((n) => n['Node Type'] === 'Merge Append' || n['Node Type'] === 'Append');
  const publicBranch = union?.Plans?.[0] ?? root;
  const nodes = nodesOf(publicBranch);
  const scans = nodes.filter((n) => n['Relation Name'] === 'rooms');
  const text = await explain('FORMAT TEXT');
  return {
    indexes: [...new Set(nodes.flatMap((n) => (n['Index Name'] ? [n['Index Name']] : [])))],
    seqScan: scans.some((n) => n['Node Type'] === 'Seq Scan'),
    sorts: nodes.some((n) => n['Node Type'] === 'Sort'),
    // EXPLAIN gives rows per loop (a parallel scan's workers each count as one).
    roomsRead: scans.reduce(
      (sum, n) =>
        sum +
        ((n['Actual Rows'] ?? 0) +
          (n['Rows Removed by Filter'] ?? 0) +
          (n['Rows Removed by Index Recheck'] ?? 0)) *
          (n['Actual Loops'] ?? 1),
      0,
    ),
    text: text.rows.map((r: Record<string, string>) => r['QUERY PLAN']).join('\n'),
  };
}

async function matchingRooms(pool: Pool, kind: Kind): Promise<number> {
  const sql = roomSearchSql(searchQuery(kind, 10_000_000));
  const { rows } = await pool.query<{ n: string }>(
    `SELECT count(*) AS n FROM (${sql.text}) page`,
    sql.values,
  );
  return Number(rows[0]!.n);
}

/** The cursor after the `position`-th room of the caller's unfiltered list. */
async function cursorAt(pool: Pool, position: number): Promise<string> {
  const sql = roomSearchSql({ tenantId: TENANT, userId: CALLER, take: position });
  const { rows } = await pool.query<{ createdAt: Date; id: string }>(
    `SELECT "createdAt", id FROM (${sql.text}) page ORDER BY "createdAt", id LIMIT 1`,
    sql.values,
  );
  const last = rows[0];
  if (!last) throw new Error('no rooms to page through');
  return timeIdCursor(last.createdAt, last.id);
}

async function recreateDatabase(adminUrl: string): Promise<string> {
  const admin = new Client({ connectionString: adminUrl });
  await admin.connect();
  try {
    await admin.query(`DROP DATABASE IF EXISTS "${DATABASE}" WITH (FORCE)`);
    await admin.query(`CREATE DATABASE "${DATABASE}"`);
  } finally {
    await admin.end();
  }
  const url = new URL(adminUrl);
  url.pathname = `/${DATABASE}`;
  return url.toString();
}

async function postgresFacts(pool: Pool) {
  const version = (await pool.query<{ v: string }>('SELECT version() AS v')).rows[0]!.v;
  const names = [
    'shared_buffers',
    'work_mem',
    'effective_cache_size',
    'random_page_cost',
    'jit',
    'max_parallel_workers_per_gather',
  ];
  const { rows } = await pool.query<{ name: string; setting: string; unit: string | null }>(
    'SELECT name, setting, unit FROM pg_settings WHERE name = ANY($1) ORDER BY name',
    [names],
  );
  const show = async (name: string) =>
    (await pool.query<Record<string, string>>(`SHOW ${name}`)).rows[0]![name]!;
  const settingsShown: Record<string, string> = {};
  for (const r of rows) settingsShown[r.name] = await show(r.name);
  return { version: version.replace(/ on .*$/, ''), settings: settingsShown };
}

async function relationSizes(pool: Pool): Promise<Record<string, string>> {
  const { rows } = await pool.query<{ name: string; size: string }>(
    `SELECT c.relname AS name, pg_size_pretty(pg_relation_size(c.oid)) AS size
       FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE n.nspname = 'public' AND c.relname IN ('rooms', 'room_members', 'room_participants')
      ORDER BY c.relname`,
  );
  return Object.fromEntries(rows.map((r) => [r.name, r.size]));
}

async function main(): Promise<void> {
  const s = settings();
  const started = performance.now();
  const machine = benchMachine();
  const adminUrl = process.env['DATABASE_URL'] ?? 'postgresql://postgres@127.0.0.1:5432/postgres';
  const natsUrl = process.env['NATS_URL'] ?? 'nats://127.0.0.1:4222';

  const databaseUrl = await recreateDatabase(adminUrl);
  const pool = new Pool({ connectionString: databaseUrl, max: 2 });
  let service: ServiceProcess | undefined;
  try {
    await applyPrismaMigrations(pool, MIGRATIONS_DIR);
    log(`database ${DATABASE} created and migrated; seeding ${s.rooms} + ${s.otherRooms} rooms`);
    const stats = await seed(pool, { rooms: s.rooms, otherTenantRooms: s.otherRooms });
    const sizes = await relationSizes(pool);
    log(`seeded: ${JSON.stringify(stats)}`);

    const keys = generateKeyPairSync('rsa', { modulusLength: 2048 });
    service = await ServiceProcess.spawn('rooms', {
      DATABASE_URL: databaseUrl,
      NATS_URL: natsUrl,
      NATS_SUBJECT_PREFIX: `bench.${randomUUID().slice(0, 8)}`,
      // Rate limits only (the benchmark reads); rooms stays ready without Redis.
      REDIS_URL: process.env['REDIS_URL'] ?? 'redis://127.0.0.1:6379',
      REDIS_KEY_PREFIX: `bench-${randomUUID().slice(0, 8)}:`,
      ROOMS_AUTH_ISSUER: ISSUER,
      ROOMS_AUTH_AUDIENCE: AUDIENCE,
      ROOMS_AUTH_PUBLIC_KEYS: keys.publicKey.export({ type: 'spki', format: 'pem' }) as string,
      ROOMS_MIGRATE_ON_START: 'false',
      LOG_LEVEL: 'warn',
    });
    await service.waitForReadiness(200);
    const token = jwt.sign(
      { iss: ISSUER, aud: AUDIENCE, sub: CALLER, tenant: TENANT, sid: 'bench', jti: randomUUID() },
      keys.privateKey.export({ type: 'pkcs8', format: 'pem' }) as string,
      { algorithm: 'RS256', expiresIn: 3_600, keyid: 'bench' },
    );
    const url = service.url;
    const list = async (kind: Kind): Promise<{ ms: number; ids: string[] }> => {
      const t0 = performance.now();
      const res = await fetch(`${url}/rooms?${queryString(kind)}`, {
        headers: { authorization: `Bearer ${token}` },
      });
      const body = (await res.json()) as { rooms?: Array<{ id: string }> };
      const elapsed = performance.now() - t0;
      if (res.status !== 200 || !body.rooms)
        throw new Error(
          `GET /rooms?${queryString(kind)} answered ${res.status}: ${JSON.stringify(body)}`,
        );
      return { ms: elapsed, ids: body.rooms.map((r) => r.id) };
    };

    const deepCursor = await cursorAt(pool, s.deep);
    const measured = kinds(deepCursor);
    const states = readIndexStates();
    const modes: IndexMode[] = ['without', 'with'];
    const indexes = {} as Record<IndexMode, string[]>;
    const samples = new Map<string, Record<IndexMode, number[]>>();
    const plans = new Map<string, Record<IndexMode, PlanSummary>>();
    const results = new Map<string, Record<IndexMode, string[]>>();
    for (const kind of measured) {
      samples.set(kind.key, { without: [], with: [] });
      plans.set(kind.key, {} as Record<IndexMode, PlanSummary>);
      results.set(kind.key, { without: [], with: [] });
    }

    for (const mode of modes) {
      indexes[mode] = await applyIndexMode(pool, states, mode);
      log(`${mode} the search indexes: ${indexes[mode].join(', ')}`);
      for (let round = 0; round < s.warmup; round++) {
        for (const kind of measured) await list(kind);
      }
      for (const kind of measured) plans.get(kind.key)![mode] = await planOf(pool, kind);
      for (const kind of measured) results.get(kind.key)![mode] = (await list(kind)).ids;
      for (let round = 0; round < s.iterations; round++) {
        for (const kind of measured) samples.get(kind.key)![mode].push((await list(kind)).ms);
      }
      for (const kind of measured) {
        const d = distribution(samples.get(kind.key)![mode]);
        log(
          `${mode.padEnd(7)} ${kind.label.padEnd(24)} p50 ${d.p50.toFixed(1).padStart(6)} ms  ` +
            `p99 ${d.p99.toFixed(1).padStart(6)} ms  max ${d.max.toFixed(1).padStart(6)} ms`,
        );
      }
    }

    const kindResults: KindResult[] = [];
    for (const kind of measured) {
      const ids = results.get(kind.key)!;
      kindResults.push({
        key: kind.key,
        label: kind.label,
        query:
          kind.key === 'deep-page'
            ? `cursor=<after room ${s.deep.toLocaleString('en')}>`
            : queryString(kind),
        matching: await matchingRooms(pool, kind),
        byMode: {
          without: {
            latencyMs: distribution(samples.get(kind.key)!.without),
            plan: plans.get(kind.key)!.without,
          },
          with: {
            latencyMs: distribution(samples.get(kind.key)!.with),
            plan: plans.get(kind.key)!.with,
          },
        },
        sameResults: JSON.stringify(ids.without) === JSON.stringify(ids.with),
      });
    }
    const report: BenchReport = {
      conditions: {
        date: new Date().toISOString(),
        machine: { ...machine, loadAverageAtEnd: loadavg() },
        node: process.version,
        postgres: await postgresFacts(pool),
        data: { ...stats, relationSizes: sizes },
        indexes,
        iterations: s.iterations,
        warmupRounds: s.warmup,
        pageSize: PAGE_SIZE,
        method:
          'HTTP GET /rooms with an access token, from this process to the rooms service ' +
          'started from its build (dist/main.js, LOG_LEVEL=warn) against the benchmark ' +
          'database; the time from sending the request to having parsed the JSON answer. ' +
          'Each request runs the page statement and the occupants statement (participant ' +
          'count and previewUserIds of the page’s rooms). Both modes run the same service ' +
          'code (this change’s statements); between them the indexes are dropped or created ' +
          'as the migration defines them, then ANALYZE',
        elapsedSeconds: (performance.now() - started) / 1000,
      },
      goal: {
        p99Ms: GOAL_P99_MS,
        metWithIndexes: kindResults.every((k) => k.byMode.with.latencyMs.p99 <= GOAL_P99_MS),
      },
      kinds: kindResults,
    };
    for (const k of kindResults) {
      if (!k.sameResults) log(`WARNING: ${k.label} answered different rooms without the indexes`);
    }
    log(
      report.goal.metWithIndexes
        ? `goal met: p99 ≤ ${GOAL_P99_MS} ms for every kind with the indexes`
        : `goal NOT met: p99 above ${GOAL_P99_MS} ms for some kind with the indexes`,
    );
    if (s.write) log(`wrote ${(await writeReport(report)).join(', ')}`);
  } catch (error) {
    if (service) console.error(service.tail(30));
    throw error;
  } finally {
    await service?.signal('SIGTERM');
    await pool.end();
  }
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
