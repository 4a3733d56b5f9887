import type { FullResult, Reporter, TestCase, TestResult } from '@playwright/test/reporter';

import { recordTotals } from './results';

/** Playwright reporter: the end-to-end run's totals for the repository's one-line summary. */
export default class ResultsReporter implements Reporter {
  readonly #final = new Map<string, TestResult['status']>();

  onTestEnd(test: TestCase, result: TestResult): void {
    // Retries report each attempt: the last one counts.
    this.#final.set(test.id, result.status);
  }

  onEnd(result: FullResult): void {
    const totals = { passed: 0, failed: 0, skipped: 0 };
    for (const status of this.#final.values()) {
      if (status === 'passed') totals.passed++;
      else if (status === 'skipped') totals.skipped++;
      else totals.failed++;
    }
    if (result.status !== 'passed' && totals.failed === 0) totals.failed = 1;
    recordTotals(process.cwd(), 'integration', totals);
  }
}
