// Global setup of the "mediasoup" jest project (jest.config.js): mediasoup's own test suite.
// Its test-Worker starts a worker with node/lib/test/data/dtls-cert.pem and dtls-key.pem, which
// live in mediasoup's repository but not in its npm package: a self-signed pair is made here with
// openssl, once per install (written beside the tests, as the suite expects, then renamed into
// place so that concurrent runs never see half a file).
const { execFileSync } = require('node:child_process');
const { existsSync, mkdirSync, mkdtempSync, renameSync, rmSync } = require('node:fs');
const path = require('node:path');

module.exports = async function mediasoupSuiteSetup() {
  const dir = path.join(path.dirname(require.resolve('mediasoup')), 'test', 'data');
  const cert = path.join(dir, 'dtls-cert.pem');
  const key = path.join(dir, 'dtls-key.pem');
  if (existsSync(cert) && existsSync(key)) return;
  mkdirSync(dir, { recursive: true });
  const tmp = mkdtempSync(path.join(dir, '.tmp-'));
  try {
    execFileSync(
      'openssl',
      [
        'req',
        '-x509',
        '-newkey',
        'ec',
        '-pkeyopt',
        'ec_paramgen_curve:prime256v1',
        '-nodes',
        '-days',
        '3650',
        '-subj',
        '/CN=mediasoup-test',
        '-keyout',
        path.join(tmp, 'key.pem'),
        '-out',
        path.join(tmp, 'cert.pem'),
      ],
      { stdio: ['ignore', 'ignore', 'pipe'] },
    );
    renameSync(path.join(tmp, 'key.pem'), key);
    renameSync(path.join(tmp, 'cert.pem'), cert);
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
};
