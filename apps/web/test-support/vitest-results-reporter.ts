import type { Reporter, TestModule } from 'vitest/node';

import { recordTotals } from './results';

/** Vitest reporter: the unit run's totals for the repository's one-line summary. */
export default class ResultsReporter implements Reporter {
  onTestRunEnd(modules: ReadonlyArray<TestModule>, errors: ReadonlyArray<unknown>): void {
    const totals = { passed: 0, failed: errors.length, skipped: 0 };
    for (const module of modules) {
      if (module.state() === 'failed' && [...module.children.allTests()].length === 0)
        totals.failed++;
      for (const test of module.children.allTests()) {
        const state = test.result().state;
        if (state === 'passed') totals.passed++;
        else if (state === 'failed') totals.failed++;
        else totals.skipped++;
      }
    }
    recordTotals(process.cwd(), 'unit', totals);
  }
}
