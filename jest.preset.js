// Shared Jest setup: every workspace has two projects that run separately.
//   unit         src/**/*.test.ts      fast, no infrastructure
//   integration  test/**/*.int.test.ts real PostgreSQL, Redis, NATS, mediasoup
// Workspace packages resolve to their TypeScript sources, so tests never need a build
// of their dependencies (services under test are still spawned from their own dist/).
const path = require('node:path');

const swc = [
  '@swc/jest',
  {
    jsc: {
      parser: { syntax: 'typescript', decorators: true },
      transform: { legacyDecorator: true, decoratorMetadata: true },
      target: 'es2022',
    },
    module: { type: 'commonjs' },
  },
];

module.exports = function preset(rootDir) {
  const common = {
    rootDir,
    testEnvironment: 'node',
    transform: { '^.+\\.ts$': swc },
    moduleNameMapper: {
      '^@cascade/(contracts|server-kit|testing|sfu-client|client)$': path.join(
        __dirname,
        'packages/$1/src',
      ),
    },
  };
  return {
    // Integration suites start processes and talk to real infrastructure; unit tests are
    // milliseconds, so the generous bound only matters where it should.
    testTimeout: 60_000,
    // Workspaces' test:integration scripts add --forceExit: a failed integration test can leave a
    // process or connection open, and the run must still end (ServiceProcess kills its children
    // when the runner exits) instead of hanging CI.
    reporters: ['default', path.join(__dirname, 'scripts/jest-results-reporter.js')],
    projects: [
      { ...common, displayName: 'unit', testMatch: ['<rootDir>/src/**/*.test.ts'] },
      {
        ...common,
        displayName: 'integration',
        testMatch: ['<rootDir>/test/**/*.int.test.ts'],
      },
    ],
  };
};
