import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';

import { REPO_ROOT } from '../src';

/**
 * Each service image's dependency tree, made by the Dockerfile's own steps outside Docker (no
 * container engine here): turbo prune, focus-workspaces.mjs, `npm ci --omit=dev`, the service's
 * compiled code; then check-tree.mjs (nothing but the service's production dependencies,
 * mediasoup only in sfu-node, every import resolves, `node dist/main.js` starts as far as its
 * configuration) and every package at the lockfile's version. Needs the npm registry, or npm's
 * cache holding the packages. About 20-30 s a service.
 */
const SERVICES = ['gateway', 'identity', 'rooms', 'sfu-orchestrator', 'sfu-node'];

describe('the service images’ dependency trees (tools/images/check-images.mjs)', () => {
  it.each(SERVICES)(
    '%s: only its production dependencies, and it starts',
    async (service) => {
      const { stdout } = await promisify(execFile)(
        process.execPath,
        [join(REPO_ROOT, 'tools/images/check-images.mjs'), service],
        { cwd: REPO_ROOT, encoding: 'utf8', maxBuffer: 16 * 1024 * 1024 },
      ).catch((error: { stdout?: string; stderr?: string; message: string }) => {
        throw new Error(`${error.message}\n${error.stdout ?? ''}\n${error.stderr ?? ''}`);
      });
      const row = stdout.split('\n').find((line) => line.startsWith(`| ${service} |`));
      expect(row).toMatch(/\| ok \|/);
      // The figures, for the log: packages and node_modules size.
      console.log(row);
    },
    6 * 60_000,
  );
});
