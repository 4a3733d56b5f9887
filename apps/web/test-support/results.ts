import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export interface Totals {
  passed: number;
  failed: number;
  skipped: number;
}

/**
 * Records a run's totals in `.test-results/<project>.json`, the file scripts/test-summary.mjs
 * adds up for the whole repository (the same shape as scripts/jest-results-reporter.js writes).
 */
export function recordTotals(root: string, project: 'unit' | 'integration', totals: Totals): void {
  const dir = join(root, '.test-results');
  mkdirSync(dir, { recursive: true });
  writeFileSync(
    join(dir, `${project}.json`),
    JSON.stringify({ workspace: 'web', project, ...totals }),
  );
}
