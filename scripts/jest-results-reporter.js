// A Jest reporter that records the totals of each project (unit, integration) of a workspace in
// `<workspace>/.test-results/<project>.json`, so that scripts/test.sh can print one summary line
// for the whole repository. turbo keeps the file as an output of a cached task, so a cache hit
// still counts its tests.
const { mkdirSync, writeFileSync } = require('node:fs');
const { basename, join } = require('node:path');

class ResultsReporter {
  constructor(globalConfig) {
    this.rootDir = globalConfig.rootDir;
  }

  onRunComplete(_contexts, results) {
    const byProject = new Map();
    // A selected project without any test file still gets its (empty) record.
    const selected = process.argv.indexOf('--selectProjects');
    if (selected !== -1 && process.argv[selected + 1]) {
      byProject.set(process.argv[selected + 1], { passed: 0, failed: 0, skipped: 0 });
    }
    for (const suite of results.testResults) {
      const project = suite.displayName?.name ?? 'default';
      const t = byProject.get(project) ?? { passed: 0, failed: 0, skipped: 0 };
      t.passed += suite.numPassingTests;
      t.failed += suite.numFailingTests + (suite.testExecError ? 1 : 0);
      t.skipped += suite.numPendingTests + suite.numTodoTests;
      byProject.set(project, t);
    }
    const dir = join(this.rootDir, '.test-results');
    mkdirSync(dir, { recursive: true });
    for (const [project, totals] of byProject) {
      writeFileSync(
        join(dir, `${project}.json`),
        JSON.stringify({ workspace: basename(this.rootDir), project, ...totals }),
      );
    }
  }
}

module.exports = ResultsReporter;
