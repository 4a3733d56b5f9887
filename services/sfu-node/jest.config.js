const path = require('node:path');

const preset = require('../../jest.preset')(__dirname);

// mediasoup's own test suite, as its npm package ships it (compiled: node/lib/test/test-*.js),
// run against the worker we use (MEDIASOUP_WORKER_BIN, from tools/mediasoup-worker) in the
// integration run: the proof that the worker built from Debian's libraries and our shims does
// what mediasoup expects of it. Its test dependencies (pick-port, werift-sctp) are this
// workspace's devDependencies.
const mediasoupTests = path.join(
  path.dirname(require.resolve('mediasoup')), // node/lib/index.js
  'test',
);

module.exports = {
  ...preset,
  projects: [
    ...preset.projects,
    {
      displayName: 'mediasoup',
      rootDir: mediasoupTests,
      roots: [mediasoupTests],
      testEnvironment: 'node',
      testMatch: ['<rootDir>/test-*.js'],
      // The suite lives in node_modules: keep jest from dropping it.
      testPathIgnorePatterns: [],
      haste: { retainAllFiles: true },
      transform: {},
      // The DTLS certificate files its test-Worker expects (not in the npm package).
      globalSetup: path.join(__dirname, 'test/support/mediasoup-suite-setup.js'),
    },
  ],
};
