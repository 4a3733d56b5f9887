import type { FullResult, Reporter, TestCase, TestResult } from '@playwright/test/reporter';

import { firstLines, recordTotals, type Totals } from './results';

/** Playwright reporter: the end-to-end run's totals for the repository's one-line summary. */
export default class ResultsReporter implements Reporter {
  readonly #final = new Map<string, { test: TestCase; result: TestResult }>();

  onTestEnd(test: TestCase, result: TestResult): void {
    // Retries report each attempt: the last one counts.
    this.#final.set(test.id, { test, result });
  }

  onEnd(result: FullResult): void {
    const totals: Totals = { passed: 0, failed: 0, skipped: 0, failures: [] };
    for (const { test, result: last } of this.#final.values()) {
      if (last.status === 'passed') totals.passed++;
      else if (last.status === 'skipped') totals.skipped++;
      else {
        totals.failed++;
        totals.failures.push({
          test: `${test.location.file.split('/').slice(-2).join('/')} › ${test.titlePath().filter(Boolean).join(' › ')}`,
          message: firstLines(last.errors.map((e) => e.message ?? e.value ?? '').join('\n')),
        });
      }
    }
    if (result.status !== 'passed' && totals.failed === 0) {
      totals.failed = 1;
      totals.failures.push({ test: 'the end-to-end run', message: `ended ${result.status}` });
    }
    recordTotals(process.cwd(), 'integration', totals);
  }
}
