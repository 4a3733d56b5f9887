// The chaos drills (issue 18): real processes, real infrastructure, one drill file at a time.
// Run through run.sh (as a test: 1 repetition; --bench: DRILLS_REPEAT, default 5, and the report).
const preset = require('../../jest.preset')(__dirname);

const integration = preset.projects.find((p) => p.displayName === 'integration');

module.exports = {
  ...integration,
  displayName: 'drills',
  testMatch: ['<rootDir>/drills/**/*.drill.test.ts'],
  testTimeout: 600_000,
  reporters: preset.reporters,
};
