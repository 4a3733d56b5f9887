import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export interface Failure {
  /** The file and the test's title. */
  test: string;
  /** The first lines of its error. */
  message: string;
}

export interface Totals {
  passed: number;
  failed: number;
  skipped: number;
  failures: Failure[];
}

/** The first lines of an error, without terminal colours, for the summary at the end of a run. */
export function firstLines(text: string | undefined, lines = 6): string {
  // eslint-disable-next-line no-control-regex
  const plain = (text ?? '').replace(/\u001b\[[0-9;]*m/g, '');
  return plain
    .split('\n')
    .filter((l) => l.trim() !== '')
    .slice(0, lines)
    .join('\n')
    .slice(0, 800);
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
