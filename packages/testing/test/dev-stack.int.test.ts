import { execFile, spawn } from 'node:child_process';
import { once } from 'node:events';
import { join } from 'node:path';
import { promisify } from 'node:util';

import { Client } from 'pg';

import {
  REPO_ROOT,
  SdkBot,
  eventually,
  freePortRange,
  isReachable,
  useInfrastructure,
  waitFor,
} from '../src';

/** The dev stack's processes, by HTTP port offset from CASCADE_HTTP_PORT_BASE. */
const SERVICES = [
  'gateway-1',
  'identity',
  'rooms',
  'sfu-orchestrator',
  'sfu-node-1',
  'gateway-2',
  'sfu-node-2',
] as const;

/** The payload of a JWT, unverified (the gateway verifies; here only its content matters). */
function claimsOf(token: string): Record<string, unknown> {
  return JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString('utf8')) as Record<
    string,
    unknown
  >;
}

describe('the README run command (scripts/dev-stack.mjs)', () => {
  const infra = useInfrastructure({ postgres: true, redis: true, nats: true });

  it('starts every service, reports them ready, holds a call between two clients, and stops them all cleanly on Ctrl-C', async () => {
    const { env, runId } = infra();
    // One run of ports below the ephemeral range: 7 HTTP listeners, then the media ports of
    // sfu-node-1 (media base) and sfu-node-2 (media base + 100), one worker each.
    // and last the web app's port.
    const base = await freePortRange(SERVICES.length + 102);
    const mediaBase = base + SERVICES.length;
    const webPort = mediaBase + 101;
    const databasePrefix = `cascade_${runId}_dev`;
    const adminUrl = new URL(env['DATABASE_URL']!);
    adminUrl.pathname = '/postgres';
    const stackEnv = {
      PATH: process.env['PATH'] ?? '',
      ...(process.env['MEDIASOUP_WORKER_BIN']
        ? { MEDIASOUP_WORKER_BIN: process.env['MEDIASOUP_WORKER_BIN'] }
        : {}),
      NO_COLOR: '1',
      CASCADE_HTTP_PORT_BASE: String(base),
      CASCADE_MEDIA_PORT_BASE: String(mediaBase),
      CASCADE_DATABASE_PREFIX: databasePrefix,
      CASCADE_WEB_PORT: String(webPort),
      DATABASE_ADMIN_URL: adminUrl.toString(),
      MEDIASOUP_NUM_WORKERS: '1',
      NATS_URL: env['NATS_URL']!,
      NATS_SUBJECT_PREFIX: env['NATS_SUBJECT_PREFIX']!,
      REDIS_URL: env['REDIS_URL']!,
      REDIS_KEY_PREFIX: env['REDIS_KEY_PREFIX']!,
    };
    const script = join(REPO_ROOT, 'scripts/dev-stack.mjs');
    const child = spawn(process.execPath, [script], {
      env: stackEnv,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.setEncoding('utf8').on('data', (c: string) => (output += c));
    child.stderr.setEncoding('utf8').on('data', (c: string) => (output += c));
    const exited = once(child, 'exit');

    try {
      await waitFor(
        'the stack to report it is running',
        async () => {
          if (child.exitCode !== null) throw new Error(`the stack exited:\n${output}`);
          return output.includes('Cascade is running') ? true : undefined;
        },
        { timeoutMs: 120_000, intervalMs: 250 },
      );
      for (const [i, name] of SERVICES.entries()) {
        const res = await fetch(`http://127.0.0.1:${base + i}/readyz`);
        expect({ name, status: res.status }).toEqual({ name, status: 200 });
        expect(output).toMatch(new RegExp(`^${name}\\s+\\d\\d:\\d\\d:\\d\\d\\.\\d{3} INFO `, 'm'));
      }
      // Where to connect: both gateways, and how to get a token.
      expect(output).toContain(`http://127.0.0.1:${base}  http://127.0.0.1:${base + 5}`);
      expect(output).toContain('join-token');
      // The one URL to open: the web app, with its Content-Security-Policy, and the APIs on
      // the same origin behind it.
      expect(output).toContain(`Open the app: http://localhost:${webPort}`);
      const page = await fetch(`http://127.0.0.1:${webPort}/rooms/some-deep-link`);
      expect(page.status).toBe(200);
      expect(await page.text()).toContain('<div id="root"></div>');
      expect(page.headers.get('content-security-policy')).toContain("script-src 'self'");
      const methods = await fetch(`http://127.0.0.1:${webPort}/api/identity/auth/methods`);
      expect(await methods.json()).toMatchObject({ devLogin: true, tenant: { slug: 'dev' } });

      // The printed recipe works: a development user, a room, a join token for it.
      const { stdout } = await promisify(execFile)(
        process.execPath,
        [script, 'join-token', 'Alice', '--json'],
        { env: stackEnv },
      );
      const minted = JSON.parse(stdout) as { token: string; roomId: string; gateways: string[] };
      expect(minted.gateways).toEqual([`http://127.0.0.1:${base}`, `http://127.0.0.1:${base + 5}`]);
      expect(claimsOf(minted.token)).toMatchObject({
        iss: 'cascade-identity',
        aud: 'cascade-join',
        name: 'Alice',
        grants: { room: minted.roomId, join: true, publish: true, subscribe: true, admin: false },
      });

      // Two Node clients (the SDK on libwebrtc) hold a call through the stack, one on each
      // gateway: each decodes the other's camera and microphone.
      const { stdout: second } = await promisify(execFile)(
        process.execPath,
        [script, 'join-token', 'Bob', minted.roomId, '--json'],
        { env: stackEnv },
      );
      const tokens = [minted.token, (JSON.parse(second) as { token: string }).token];
      const bots: SdkBot[] = [];
      try {
        for (const [i, token] of tokens.entries()) {
          const bot = await SdkBot.start({
            url: minted.gateways[i]!,
            token,
            displayName: i === 0 ? 'Alice' : 'Bob',
            publish: { camera: true, microphone: true },
          });
          bots.push(bot);
          await bot.join();
        }
        const ids = await Promise.all(bots.map(async (b) => (await b.state()).participantId));
        for (const [i, bot] of bots.entries()) {
          const other = ids[1 - i];
          await eventually(
            `client ${i + 1} decoding the other's camera and microphone`,
            () => bot.received(),
            (received) => {
              const fromOther = Object.values(received).filter((t) => t.participantId === other);
              return (
                fromOther.some((t) => t.kind === 'video' && t.decodedFrames >= 10) &&
                fromOther.some((t) => t.kind === 'audio' && t.samples >= 48_000)
              );
            },
            { timeoutMs: 30_000 },
          );
        }
        for (const bot of bots) await bot.leave();
      } finally {
        await Promise.all(bots.map((b) => b.stop()));
      }

      child.kill('SIGINT');
      const [code] = await exited;
      expect(code).toBe(0);
      expect(output).toContain('all services stopped');
      for (const [i, name] of SERVICES.entries()) {
        expect({ name, listening: await isReachable('127.0.0.1', base + i, 200) }).toEqual({
          name,
          listening: false,
        });
      }
    } finally {
      child.kill('SIGKILL');
      const admin = new Client({ connectionString: adminUrl.toString() });
      await admin.connect();
      for (const db of ['identity', 'rooms']) {
        await admin.query(`DROP DATABASE IF EXISTS "${databasePrefix}_${db}" WITH (FORCE)`);
      }
      await admin.end();
    }
  }, 200_000);
});
