import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { join } from 'node:path';

import { Client } from 'pg';

import { REPO_ROOT, freePort, isReachable, useInfrastructure, waitFor } from '../src';

/** Five consecutive free ports, for the dev stack's HTTP listeners. */
async function freePortRun(length: number): Promise<number> {
  for (let attempt = 0; attempt < 20; attempt++) {
    const base = await freePort();
    const taken = await Promise.all(
      Array.from({ length }, (_, i) => isReachable('127.0.0.1', base + i, 200)),
    );
    if (base + length < 65_535 && taken.every((t) => !t)) return base;
  }
  throw new Error('no run of free ports found');
}

describe('the README run command (scripts/dev-stack.mjs)', () => {
  const infra = useInfrastructure({ postgres: true, redis: true, nats: true });

  it('starts every service, reports them ready, and stops them all cleanly on Ctrl-C', async () => {
    const { env, runId } = infra();
    const base = await freePortRun(5);
    const databasePrefix = `cascade_${runId}_dev`;
    const adminUrl = new URL(env['DATABASE_URL']!);
    adminUrl.pathname = '/postgres';
    const child = spawn(process.execPath, [join(REPO_ROOT, 'scripts/dev-stack.mjs')], {
      env: {
        PATH: process.env['PATH'] ?? '',
        ...(process.env['MEDIASOUP_WORKER_BIN']
          ? { MEDIASOUP_WORKER_BIN: process.env['MEDIASOUP_WORKER_BIN'] }
          : {}),
        NO_COLOR: '1',
        CASCADE_HTTP_PORT_BASE: String(base),
        CASCADE_DATABASE_PREFIX: databasePrefix,
        DATABASE_ADMIN_URL: adminUrl.toString(),
        NATS_URL: env['NATS_URL']!,
        NATS_SUBJECT_PREFIX: env['NATS_SUBJECT_PREFIX']!,
        REDIS_URL: env['REDIS_URL']!,
        REDIS_KEY_PREFIX: env['REDIS_KEY_PREFIX']!,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.setEncoding('utf8').on('data', (c: string) => (output += c));
    child.stderr.setEncoding('utf8').on('data', (c: string) => (output += c));
    const exited = once(child, 'exit');

    try {
      await waitFor(
        'the stack to report it is running',
        async () => (output.includes('Cascade is running') ? true : undefined),
        { timeoutMs: 90_000, intervalMs: 250 },
      );
      for (const [i, name] of [
        'gateway',
        'identity',
        'rooms',
        'sfu-orchestrator',
        'sfu-node',
      ].entries()) {
        const res = await fetch(`http://127.0.0.1:${base + i}/readyz`);
        expect({ name, status: res.status }).toEqual({ name, status: 200 });
        expect(output).toMatch(new RegExp(`^${name}\\s+\\d\\d:\\d\\d:\\d\\d\\.\\d{3} INFO `, 'm'));
      }

      child.kill('SIGINT');
      const [code] = await exited;
      expect(code).toBe(0);
      expect(output).toContain('all services stopped');
      expect(await isReachable('127.0.0.1', base, 200)).toBe(false);
    } finally {
      child.kill('SIGKILL');
      const admin = new Client({ connectionString: adminUrl.toString() });
      await admin.connect();
      for (const db of ['identity', 'rooms']) {
        await admin.query(`DROP DATABASE IF EXISTS "${databasePrefix}_${db}" WITH (FORCE)`);
      }
      await admin.end();
    }
  }, 150_000);
});
