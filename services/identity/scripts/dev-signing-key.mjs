// The local run's signing key: creates an EC P-256 key at the given path once (mode 0600) and
// keeps it, so sessions survive restarts, then prints the value of IDENTITY_SIGNING_KEYS.
//
//   IDENTITY_SIGNING_KEYS="$(node services/identity/scripts/dev-signing-key.mjs .cascade/identity-dev-key.pem)"
import { generateKeyPairSync } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';

const path = process.argv[2];
if (!path) {
  process.stderr.write('usage: dev-signing-key.mjs <path of the PEM file>\n');
  process.exit(2);
}
if (!existsSync(path)) {
  mkdirSync(dirname(path), { recursive: true });
  const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  writeFileSync(path, privateKey.export({ type: 'pkcs8', format: 'pem' }), { mode: 0o600 });
}
process.stdout.write(JSON.stringify({ dev: readFileSync(path, 'utf8') }) + '\n');
