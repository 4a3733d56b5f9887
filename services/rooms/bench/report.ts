import { mkdirSync } from 'node:fs';
import { join } from 'node:path';

import { type BenchMachine, REPO_ROOT, writeFormatted } from '@cascade/testing';

import type { IndexMode } from './indexes';
import type { SeedStats } from './seed';

export const GOAL_P99_MS = 50;

/** Latencies of one kind of query in one index mode, milliseconds. */
export interface Distribution {
  count: number;
  mean: number;
  p50: number;
  p90: number;
  p99: number;
  max: number;
}

export function distribution(values: number[]): Distribution {
  const sorted = [...values].sort((a, b) => a - b);
  const n = sorted.length;
  const rank = (q: number) => sorted[Math.min(n - 1, Math.max(0, Math.ceil(q * n) - 1))] ?? NaN;
  return {
    count: n,
    mean: n ? sorted.reduce((a, b) => a + b, 0) / n : NaN,
    p50: rank(0.5),
    p90: rank(0.9),
    p99: rank(0.99),
    max: sorted[n - 1] ?? NaN,
  };
}

/** What PostgreSQL planned for the list statement of a query kind. */
export interface PlanSummary {
  /** Indexes the public rooms' branch reads, in plan order. */
  indexes: string[];
  /** Whether that branch reads the whole rooms table. */
  seqScan: boolean;
  /** Whether it sorts the rooms it found (instead of reading them in the list's order). */
  sorts: boolean;
  /** Rooms it read (kept and filtered out), from EXPLAIN ANALYZE. */
  roomsRead: number;
  /** The whole plan, EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF). */
  text: string;
}

export interface KindResult {
  key: string;
  label: string;
  /** The `GET /rooms` query string. */
  query: string;
  /** Rooms the caller may see that match (the whole result, all pages). */
  matching: number;
  byMode: Record<IndexMode, { latencyMs: Distribution; plan: PlanSummary }>;
  /** Whether both modes answered the same rooms in the same order. */
  sameResults: boolean;
}

export interface BenchReport {
  conditions: {
    date: string;
    machine: BenchMachine & { loadAverageAtEnd: number[] };
    node: string;
    postgres: { version: string; settings: Record<string, string> };
    data: SeedStats & { relationSizes: Record<string, string> };
    indexes: Record<IndexMode, string[]>;
    iterations: number;
    warmupRounds: number;
    pageSize: number;
    method: string;
    elapsedSeconds: number;
  };
  goal: { p99Ms: number; metWithIndexes: boolean };
  kinds: KindResult[];
}

const ms = (v: number) => (Number.isFinite(v) ? v.toFixed(1) : '–');
const int = (v: number) => v.toLocaleString('en');

function table(header: string[], body: string[][], numeric: Set<number>): string {
  const align = header.map((_, i) => (numeric.has(i) ? '---:' : '---'));
  return [header, align, ...body].map((cells) => `| ${cells.join(' | ')} |`).join('\n');
}

function describePlan(plan: PlanSummary): string {
  const how = plan.seqScan
    ? 'whole table'
    : plan.indexes.length
      ? plan.indexes.map((i) => `\`${i}\``).join(' + ')
      : 'no index';
  return `${how}, ${plan.sorts ? 'then sorted' : 'in order'}; ${int(plan.roomsRead)} rooms read`;
}

export async function writeReport(report: BenchReport): Promise<string[]> {
  const dir = join(REPO_ROOT, 'bench-results');
  mkdirSync(dir, { recursive: true });
  const jsonPath = join(dir, 'rooms-search.json');
  const mdPath = join(dir, 'rooms-search.md');
  await writeFormatted(jsonPath, `${JSON.stringify(report, null, 2)}\n`);
  await writeFormatted(mdPath, markdown(report));
  return [mdPath, jsonPath];
}

function markdown(r: BenchReport): string {
  const c = r.conditions;
  const d = c.data;
  const latency = table(
    [
      'Query',
      '`GET /rooms?…`',
      'Matching rooms',
      'Without: p50',
      'Without: p99',
      'With: p50',
      'With: p99',
      `p99 ≤ ${r.goal.p99Ms} ms`,
      'Same rooms',
    ],
    r.kinds.map((k) => [
      k.label,
      `\`${k.query || '(none)'}\``,
      int(k.matching),
      ms(k.byMode.without.latencyMs.p50),
      ms(k.byMode.without.latencyMs.p99),
      ms(k.byMode.with.latencyMs.p50),
      ms(k.byMode.with.latencyMs.p99),
      k.byMode.with.latencyMs.p99 <= r.goal.p99Ms ? '✓' : '✗',
      k.sameResults ? 'yes' : '**no**',
    ]),
    new Set([2, 3, 4, 5, 6]),
  );
  const plans = table(
    ['Query', 'Public rooms without the indexes', 'With them'],
    r.kinds.map((k) => [
      k.label,
      describePlan(k.byMode.without.plan),
      describePlan(k.byMode.with.plan),
    ]),
    new Set(),
  );
  const tails = table(
    [
      'Query',
      'Without: mean',
      'Without: p90',
      'Without: max',
      'With: mean',
      'With: p90',
      'With: max',
    ],
    r.kinds.map((k) => [
      k.label,
      ms(k.byMode.without.latencyMs.mean),
      ms(k.byMode.without.latencyMs.p90),
      ms(k.byMode.without.latencyMs.max),
      ms(k.byMode.with.latencyMs.mean),
      ms(k.byMode.with.latencyMs.p90),
      ms(k.byMode.with.latencyMs.max),
    ]),
    new Set([1, 2, 3, 4, 5, 6]),
  );
  const verdict = r.goal.metWithIndexes
    ? `**Goal met**: every query kind's p99 is at most ${r.goal.p99Ms} ms with the indexes.`
    : `**Goal not met** for: ${r.kinds
        .filter((k) => k.byMode.with.latencyMs.p99 > r.goal.p99Ms)
        .map((k) => k.label)
        .join(', ')} (p99 above ${r.goal.p99Ms} ms with the indexes).`;
  const settings = Object.entries(c.postgres.settings)
    .map(([k, v]) => `${k} ${v}`)
    .join(', ');
  return `# Rooms: lobby search and filters (\`GET /rooms\`)

Latency of the lobby's list request through the rooms service (HTTP to the built service, real PostgreSQL) on a tenant with ${int(d.rooms['bench-tenant'] ?? 0)} rooms, **without** the search migration's indexes (the index set before it: ${c.indexes.without.map((i) => `\`${i}\``).join(', ')}) and **with** them (${c.indexes.with.map((i) => `\`${i}\``).join(', ')}), measured in the same run on the same data. Milliseconds, ${c.iterations} requests per query kind and mode; "Matching rooms" is how many rooms the caller may see that match (all pages).

${verdict}

${latency}

How PostgreSQL answers the page statement (\`roomSearchSql\`, EXPLAIN ANALYZE with the service's parameters after the warm-up) for the tenant's public rooms; the caller's private rooms come through their memberships. The whole plans are in the JSON file.

${plans}

Mean, p90 and maximum:

${tails}

## Conditions

- Date: ${c.date}; the whole run took ${c.elapsedSeconds.toFixed(0)} s (seeding included)
- Machine: ${c.machine.cpuModel}, ${c.machine.cores} cores, ${c.machine.totalMemoryGiB.toFixed(1)} GiB, kernel ${c.machine.kernel}; load average ${c.machine.loadAverageAtStart.map((v) => v.toFixed(2)).join(' ')} at start, ${c.machine.loadAverageAtEnd.map((v) => v.toFixed(2)).join(' ')} at the end (the machine is shared: other work on it shows in the tails)
- ${c.postgres.version}; ${settings}; PostgreSQL, the service and the benchmark client share the machine
- Node ${c.node}
- Data (database \`cascade_bench_rooms\`, created for the run): ${Object.entries(d.rooms)
    .map(([t, n]) => `${int(n)} rooms in \`${t}\``)
    .join(
      ', ',
    )}; in the measured tenant ${int(d.activeRooms)} active (${int(d.publicActiveRooms)} of them public), the rest closed; ${d.languages} languages, ${d.topics} topics (10% of rooms without one), titles of two to five words drawn with skewed frequencies from word lists (fixed seed); ${int(d.members)} memberships (every room's owner, and the caller in ${d.callerPrivateRooms} private rooms); presence: ${int(d.participantsPresent)} participants present in ${int(d.roomsWithPeople)} rooms, ${int(d.participantsLeft)} that left; table and index sizes: ${Object.entries(
    d.relationSizes,
  )
    .map(([k, v]) => `${k} ${v}`)
    .join(', ')}
- Method: ${c.method}
- Page size ${c.pageSize}; ${c.warmupRounds} warm-up rounds per mode (every kind, not recorded), then ${c.iterations} rounds, each round one request of every kind in turn, one request at a time
- Re-run: \`npm run bench -w @cascade/rooms\` (after \`npx turbo run build --filter=@cascade/rooms...\`); options in services/rooms/bench/search.ts
`;
}
