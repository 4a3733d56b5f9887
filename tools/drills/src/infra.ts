import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { once } from 'node:events';
import { chmodSync, chownSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { isReachable, waitFor } from '@cascade/testing';
import { Client as PgClient } from 'pg';

/**
 * PostgreSQL, Redis and NATS of the drills' own: fresh servers on fixed ports
 * (`DRILLS_DATA_PORT_BASE` + 0, 1, 2: 3610 Redis, 3611 NATS, 3612 PostgreSQL) with their data
 * in a temporary directory, started for one drill stack and removed with it. A drill that cuts
 * a data service cuts the proxy in front of these, and never touches the machine's servers that
 * other work uses.
 */
export const DATA_PORT_BASE = Number(process.env['DRILLS_DATA_PORT_BASE'] ?? 3610);

const children = new Set<ChildProcess>();
process.once('exit', () => {
  for (const child of children) child.kill('SIGKILL');
});

interface Server {
  name: string;
  child: ChildProcess;
  output: string[];
}

function start(
  name: string,
  command: string,
  args: string[],
  options: { uid?: number; gid?: number } = {},
): Server {
  const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'], ...options });
  const output: string[] = [];
  for (const stream of [child.stdout, child.stderr])
    stream?.setEncoding('utf8').on('data', (chunk: string) => {
      output.push(...chunk.split('\n').filter((l) => l !== ''));
      if (output.length > 200) output.splice(0, output.length - 200);
    });
  children.add(child);
  child.once('exit', () => children.delete(child));
  return { name, child, output };
}

async function untilReachable(server: Server, port: number): Promise<void> {
  await waitFor(
    `${server.name} to listen on 127.0.0.1:${port}`,
    async () => {
      if (server.child.exitCode !== null)
        throw new Error(`${server.name} exited:\n${server.output.slice(-20).join('\n')}`);
      return (await isReachable('127.0.0.1', port)) ? true : undefined;
    },
    { timeoutMs: 30_000, intervalMs: 100 },
  );
}

/** The `postgres` system user's ids when running as root (PostgreSQL refuses to run as root). */
function postgresUser(): { uid: number; gid: number } | undefined {
  if (process.getuid?.() !== 0) return undefined;
  const id = (flag: string) =>
    Number(execFileSync('id', [flag, 'postgres'], { encoding: 'utf8' }).trim());
  return { uid: id('-u'), gid: id('-g') };
}

export class DataServices {
  readonly redisUrl = `redis://127.0.0.1:${DATA_PORT_BASE}`;
  readonly natsUrl = `nats://127.0.0.1:${DATA_PORT_BASE + 1}`;
  readonly pgAdminUrl = `postgresql://postgres@127.0.0.1:${DATA_PORT_BASE + 2}/postgres`;

  private constructor(
    readonly dir: string,
    readonly servers: Server[],
  ) {}

  static async start(): Promise<DataServices> {
    for (const [i, what] of ['Redis', 'NATS', 'PostgreSQL'].entries())
      if (await isReachable('127.0.0.1', DATA_PORT_BASE + i))
        throw new Error(
          `port ${DATA_PORT_BASE + i} (the drills' ${what}) is taken: another drill run, or set DRILLS_DATA_PORT_BASE`,
        );
    const dir = mkdtempSync(join(tmpdir(), 'cascade-drills-'));
    // PostgreSQL runs as its own user (when we are root) and must reach its directory inside.
    chmodSync(dir, 0o711);
    const servers: Server[] = [];
    const data = new DataServices(dir, servers);
    try {
      mkdirSync(join(dir, 'redis'));
      const redis = start('redis', 'redis-server', [
        '--bind',
        '127.0.0.1',
        '--port',
        String(DATA_PORT_BASE),
        '--save',
        '',
        '--appendonly',
        'no',
        '--dir',
        join(dir, 'redis'),
      ]);
      servers.push(redis);
      const nats = start('nats', 'nats-server', [
        '-a',
        '127.0.0.1',
        '-p',
        String(DATA_PORT_BASE + 1),
      ]);
      servers.push(nats);

      const pgDir = join(dir, 'pg');
      mkdirSync(pgDir, { mode: 0o700 });
      const user = postgresUser();
      if (user) chownSync(pgDir, user.uid, user.gid);
      execFileSync(
        'initdb',
        ['-D', pgDir, '-U', 'postgres', '-A', 'trust', '--no-sync', '-E', 'UTF8'],
        { stdio: 'pipe', ...(user ?? {}) },
      );
      const postgres = start(
        'postgres',
        'postgres',
        [
          '-D',
          pgDir,
          '-p',
          String(DATA_PORT_BASE + 2),
          '-k',
          pgDir,
          '-c',
          'listen_addresses=127.0.0.1',
          '-c',
          'fsync=off',
          '-c',
          'max_connections=200',
        ],
        user ?? {},
      );
      servers.push(postgres);

      await untilReachable(redis, DATA_PORT_BASE);
      await untilReachable(nats, DATA_PORT_BASE + 1);
      await untilReachable(postgres, DATA_PORT_BASE + 2);
      await waitFor(
        'PostgreSQL to accept queries',
        async () => {
          const pg = new PgClient({ connectionString: data.pgAdminUrl });
          try {
            await pg.connect();
            await pg.query('SELECT 1');
            return true;
          } catch {
            return undefined;
          } finally {
            await pg.end().catch(() => undefined);
          }
        },
        { timeoutMs: 30_000, intervalMs: 200 },
      );
      return data;
    } catch (error) {
      await data.stop();
      throw error;
    }
  }

  async stop(): Promise<void> {
    await Promise.all(
      this.servers.map(async ({ child }) => {
        if (child.exitCode !== null || child.signalCode !== null) return;
        const exited = once(child, 'exit');
        // PostgreSQL: SIGINT is its fast shutdown.
        child.kill('SIGINT');
        const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
        await exited;
        clearTimeout(timer);
      }),
    );
    rmSync(this.dir, { recursive: true, force: true });
  }
}
