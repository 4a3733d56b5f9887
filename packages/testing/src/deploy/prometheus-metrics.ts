import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

/**
 * The Prometheus metrics Cascade's services define, read from their sources (every `name:` of a
 * prom-client metric, and the sfu-node's `gauge('…')` helper), so that what the deployment
 * queries (dashboard, autoscalers) is checked against what the services export.
 */
export function definedMetrics(repo: string): Set<string> {
  const names = new Set<string>();
  const roots = [join(repo, 'packages/server-kit/src')];
  for (const service of readdirSync(join(repo, 'services'))) {
    roots.push(join(repo, 'services', service, 'src'));
  }
  for (const file of roots.flatMap((root) => sources(root))) {
    const text = readFileSync(file, 'utf8');
    if (!text.includes("from 'prom-client'")) continue;
    for (const m of text.matchAll(/\bname:\s*'([a-z_:][a-z0-9_:]*)'/g)) names.add(m[1]!);
    for (const m of text.matchAll(/\bgauge\(\s*'([a-z_:][a-z0-9_:]*)'/g)) names.add(m[1]!);
  }
  return names;
}

function sources(dir: string): string[] {
  let entries: string[];
  try {
    entries = readdirSync(dir);
  } catch {
    return [];
  }
  return entries.flatMap((entry) => {
    const path = join(dir, entry);
    if (statSync(path).isDirectory()) return sources(path);
    return entry.endsWith('.ts') && !entry.endsWith('.test.ts') ? [path] : [];
  });
}

const KEYWORDS = new Set([
  'by',
  'without',
  'on',
  'ignoring',
  'group_left',
  'group_right',
  'bool',
  'and',
  'or',
  'unless',
  'offset',
  'inf',
  'nan',
]);

/**
 * The metric names a PromQL expression reads, with a histogram's `_bucket`, `_sum` and `_count`
 * series named by their histogram. Label matchers, grouping clauses, ranges, strings and
 * function names are not metrics.
 */
export function metricsIn(expr: string): string[] {
  const bare = expr
    .replace(/"(?:[^"\\]|\\.)*"/g, '""')
    .replace(/\{[^}]*\}/g, ' ')
    .replace(/\[[^\]]*\]/g, ' ')
    .replace(/\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/g, ' ');
  const names = new Set<string>();
  for (const m of bare.matchAll(/(?<![\w$])([a-zA-Z_:][a-zA-Z0-9_:]*)(\s*\()?/g)) {
    const [, name, call] = m;
    if (call || KEYWORDS.has(name!.toLowerCase())) continue;
    names.add(name!.replace(/_(bucket|sum|count)$/, ''));
  }
  return [...names];
}
