import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';

import pg from 'pg';

import {
  E2E_DATABASE_PREFIX,
  E2E_HTTP_PORT_BASE,
  E2E_MEDIA_PORT_BASE,
  E2E_NATS_PORT,
  E2E_WEB_PORT,
  E2E_WEB_URL,
} from './stack-config';

const ROOT = join(import.meta.dirname, '..', '..', '..', '..');
export const GOOGLE_USER = { name: 'Grace Google', email: 'grace@example.com' };

/** Starts a process and resolves with it once `ready(output)` says so. */
function launch(
  name: string,
  args: string[],
  env: NodeJS.ProcessEnv,
  ready: (output: string) => boolean,
  timeoutMs: number,
  /** Sees every line the process prints, from its first. */
  onLine: (line: string) => void = () => undefined,
): Promise<{ child: ChildProcess; output: () => string }> {
  // Its own process group, so that the teardown stops it and every process it started.
  const child = spawn(process.execPath, args, {
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  let output = '';
  let partial = '';
  const collect = (chunk: Buffer) => {
    const text = chunk.toString('utf8');
    output += text;
    const lines = (partial + text).split('\n');
    partial = lines.pop() ?? '';
    lines.forEach(onLine);
    if (output.length > 200_000) output = output.slice(-100_000);
  };
  child.stdout!.on('data', collect);
  child.stderr!.on('data', collect);
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`${name} was not ready after ${timeoutMs} ms:\n${output.slice(-5_000)}`));
    }, timeoutMs);
    const check = () => {
      if (ready(output)) {
        clearTimeout(timer);
        child.stdout!.off('data', check);
        resolve({ child, output: () => output });
      }
    };
    child.stdout!.on('data', check);
    child.on('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`${name} exited (${code}) before it was ready:\n${output.slice(-5_000)}`));
    });
  });
}

function signalGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  try {
    if (child.pid !== undefined) process.kill(-child.pid, signal);
  } catch {
    // already gone
  }
}

async function freshDatabases(adminUrl: string): Promise<void> {
  const client = new pg.Client({ connectionString: adminUrl });
  await client.connect();
  try {
    for (const service of ['identity', 'rooms']) {
      await client.query(
        `DROP DATABASE IF EXISTS "${E2E_DATABASE_PREFIX}_${service}" WITH (FORCE)`,
      );
    }
  } finally {
    await client.end();
  }
}

/**
 * The whole stack as `npm start` runs it, plus a local OAuth provider for Google sign-in, with
 * fresh databases and its own NATS subjects and Redis keys. Returns the teardown.
 */
export default async function globalSetup(): Promise<() => Promise<void>> {
  // The stack runs on the Node that runs Playwright (process.execPath): it must be one the
  // project supports (package.json engines). `npm test` puts it first on PATH.
  const [major = 0, minor = 0] = process.versions.node.split('.').map(Number);
  if (major < 22 || (major === 22 && minor < 12)) {
    throw new Error(
      `Node ${process.version} is too old for Cascade (22.12 or newer, 24 recommended): run ` +
        'through `npm test`, or put ~/.cache/cascade/node/<version>/bin first on PATH (README: Node.js)',
    );
  }
  const adminUrl =
    process.env['DATABASE_ADMIN_URL'] ?? 'postgresql://postgres:postgres@127.0.0.1:5432/postgres';
  await freshDatabases(adminUrl);

  const dir = mkdtempSync(join(tmpdir(), 'cascade-e2e-'));
  const profileFile = join(dir, 'google-profile.json');
  writeFileSync(
    profileFile,
    JSON.stringify({
      sub: 'google-grace-1',
      name: GOOGLE_USER.name,
      given_name: 'Grace',
      family_name: 'Google',
      email: GOOGLE_USER.email,
      email_verified: true,
    }),
  );
  const oauth = await launch(
    'OAuth test server',
    [join(ROOT, 'services/identity/test/support/oauth-mock-server.mjs')],
    { ...process.env, PROFILE_FILE: profileFile },
    (out) => out.includes('"url"'),
    30_000,
  );
  const oauthUrl = /"url":\s*"([^"]+)"/.exec(oauth.output())![1]!;

  const run = randomBytes(4).toString('hex');
  // A service using a subject its NATS user may not use is a failure even when nothing visible
  // broke: nats-server logs each refusal ("Publish Violation", "Subscription Violation").
  const violations: string[] = [];
  // The stack runs its own NATS server with a user per service (CASCADE_NATS_AUTH=1), as compose
  // and Kubernetes do: a subject a service may not use breaks the call here. Its own server also
  // keeps these tests apart from anything else on the machine's NATS.
  const inherited = { ...process.env };
  for (const name of ['NATS_URL', 'NATS_USER', 'NATS_PASSWORD', 'NATS_TOKEN', 'NATS_CREDS'])
    delete inherited[name];
  const stack = await launch(
    'the stack (scripts/dev-stack.mjs)',
    [join(ROOT, 'scripts/dev-stack.mjs')],
    {
      ...inherited,
      NO_COLOR: '1',
      CASCADE_NATS_AUTH: '1',
      CASCADE_NATS_PORT: String(E2E_NATS_PORT),
      CASCADE_HTTP_PORT_BASE: String(E2E_HTTP_PORT_BASE),
      CASCADE_MEDIA_PORT_BASE: String(E2E_MEDIA_PORT_BASE),
      CASCADE_WEB_PORT: String(E2E_WEB_PORT),
      CASCADE_DATABASE_PREFIX: E2E_DATABASE_PREFIX,
      DATABASE_ADMIN_URL: adminUrl,
      NATS_SUBJECT_PREFIX: 'cascade',
      REDIS_KEY_PREFIX: `cascade-e2e-${run}:`,
      // A small room spreads over both sfu-nodes (nothing sticks to the room's first node), and
      // the stack keeps serving when the call tests kill a node. A killed node is found by the
      // orchestrator's probe (NATS has no responder for it any more) about a second after its
      // heartbeats stop; the heartbeat timeouts stay generous, because five Chromium pages on
      // two cores delay a live node's heartbeats by seconds, and a live node must not be
      // declared dead (every participant on it would have to join again).
      ORCH_STICKY_THRESHOLD: '0.01',
      ORCH_NODE_SUSPECT_MS: '1000',
      ORCH_NODE_STALE_MS: '6000',
      ORCH_NODE_DEAD_MS: '20000',
      ORCH_WARMUP_MS: '1000',
      ORCH_PIPE_LINGER_MS: '800',
      ORCH_ROOM_LEASE_MS: '3000',
      CASCADE_KEEP_GOING: '1',
      GOOGLE_CLIENT_ID: 'cascade-e2e-client',
      GOOGLE_CLIENT_SECRET: 'cascade-e2e-secret',
      GOOGLE_CALLBACK_URL: `${E2E_WEB_URL}/api/identity/auth/google/callback`,
      GOOGLE_AUTHORIZATION_URL: `${oauthUrl}/authorize`,
      GOOGLE_TOKEN_URL: `${oauthUrl}/token`,
      GOOGLE_USERINFO_URL: `${oauthUrl}/userinfo`,
    },
    (out) => out.includes('Cascade is running'),
    180_000,
    (line) => {
      if (/Violation/i.test(line) && violations.length < 20) violations.push(line.trim());
    },
  );

  // For the tests (workers inherit this process's environment): the stack's NATS, reached as
  // the orchestrator's user (what `cascade-admin` and the nodes' room dumps need).
  const natsEnv = Object.fromEntries(
    readFileSync(join(ROOT, '.cascade', `nats-${E2E_NATS_PORT}.env`), 'utf8')
      .split('\n')
      .filter((line) => /^[A-Z_]+=/.test(line))
      .map((line) => [line.slice(0, line.indexOf('=')), line.slice(line.indexOf('=') + 1)]),
  );
  process.env['CASCADE_E2E_NATS_PREFIX'] = 'cascade';
  process.env['NATS_URL'] = natsEnv['NATS_URL'];
  process.env['NATS_USER'] = natsEnv['NATS_USER'];
  process.env['NATS_PASSWORD'] = natsEnv['NATS_PASSWORD'];

  return async () => {
    const exited = new Promise((resolve) => stack.child.once('exit', resolve));
    signalGroup(stack.child, 'SIGTERM');
    signalGroup(oauth.child, 'SIGTERM');
    await Promise.race([exited, new Promise((resolve) => setTimeout(resolve, 30_000))]);
    // Whatever did not stop in time (a service's child included) goes now.
    signalGroup(stack.child, 'SIGKILL');
    signalGroup(oauth.child, 'SIGKILL');
    if (process.env['CASCADE_E2E_SHOW_STACK_LOG']) process.stdout.write(stack.output());
    if (violations.length > 0)
      throw new Error(
        `NATS refused subjects to the stack's services (deploy/nats/cascade-users.conf, from packages/server-kit/src/infra/nats-permissions.ts):\n${violations.join('\n')}`,
      );
  };
}
