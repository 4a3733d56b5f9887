// A Jest reporter that records the totals of each project (unit, integration) of a workspace in
// `<workspace>/.test-results/<project>.json`, so that scripts/test.sh can print one summary line
// for the whole repository. turbo keeps the file as an output of a cached task, so a cache hit
// still counts its tests. Each failed test is recorded too (file, name, the first lines of its
// error), so that the summary at the very end of a CI log says what failed.
const { mkdirSync, writeFileSync } = require('node:fs');
const { basename, join, relative } = require('node:path');

/** The first lines of a failure message, without terminal colours. */
function firstLines(text, lines = 6) {
  // eslint-disable-next-line no-control-regex
  const plain = String(text ?? '').replace(/\u001b\[[0-9;]*m/g, '');
  return plain
    .split('\n')
    .filter((l) => l.trim() !== '')
    .slice(0, lines)
    .join('\n')
    .slice(0, 800);
}

class ResultsReporter {
  constructor(globalConfig) {
    this.rootDir = globalConfig.rootDir;
  }

  onRunComplete(_contexts, results) {
    const byProject = new Map();
    // A selected project without any test file still gets its (empty) record.
    const selected = process.argv.indexOf('--selectProjects');
    const selectedName = selected !== -1 ? process.argv[selected + 1] : undefined;
    if (selectedName) {
      byProject.set(selectedName, { passed: 0, failed: 0, skipped: 0, failures: [] });
    }
    for (const suite of results.testResults) {
      // A suite that failed to load has no display name: it belongs to the selected project.
      const project = suite.displayName?.name ?? selectedName ?? 'default';
      const t = byProject.get(project) ?? { passed: 0, failed: 0, skipped: 0, failures: [] };
      t.passed += suite.numPassingTests;
      t.failed += suite.numFailingTests + (suite.testExecError ? 1 : 0);
      t.skipped += suite.numPendingTests + suite.numTodoTests;
      const file = relative(this.rootDir, suite.testFilePath);
      if (suite.testExecError) {
        t.failures.push({ test: file, message: firstLines(suite.testExecError.message) });
      }
      for (const test of suite.testResults) {
        if (test.status !== 'failed') continue;
        t.failures.push({
          test: `${file} › ${test.fullName}`,
          message: firstLines(test.failureMessages.join('\n')),
        });
      }
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
