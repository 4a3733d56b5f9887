import type { Reporter, TestModule } from 'vitest/node';

import { firstLines, recordTotals, type Totals } from './results';

/** Vitest reporter: the unit run's totals for the repository's one-line summary. */
export default class ResultsReporter implements Reporter {
  onTestRunEnd(modules: ReadonlyArray<TestModule>, errors: ReadonlyArray<unknown>): void {
    const totals: Totals = { passed: 0, failed: errors.length, skipped: 0, failures: [] };
    for (const error of errors) {
      totals.failures.push({ test: 'the unit run', message: firstLines(String(error)) });
    }
    for (const module of modules) {
      if (module.state() === 'failed' && [...module.children.allTests()].length === 0) {
        totals.failed++;
        totals.failures.push({
          test: module.moduleId,
          message: firstLines(
            module
              .errors()
              .map((e) => e.message)
              .join('\n'),
          ),
        });
      }
      for (const test of module.children.allTests()) {
        const result = test.result();
        if (result.state === 'passed') totals.passed++;
        else if (result.state === 'failed') {
          totals.failed++;
          totals.failures.push({
            test: `${module.moduleId.split('/').slice(-2).join('/')} › ${test.fullName}`,
            message: firstLines((result.errors ?? []).map((e) => e.message).join('\n')),
          });
        } else totals.skipped++;
      }
    }
    recordTotals(process.cwd(), 'unit', totals);
  }
}
