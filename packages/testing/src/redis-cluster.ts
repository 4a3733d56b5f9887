import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

import { onPath, stopProcess, tailOutput } from './browser/processes';
import { freePortRange, isReachable, waitFor } from './net';

const run = promisify(execFile);

/**
 * A real Redis Cluster of its own for a suite: `masters` redis-server processes (Debian's
 * `redis-server`, `cluster-enabled yes`, no replicas) on free ports of their own, each with its
 * data directory in a temporary directory, joined by `redis-cli --cluster create`. Stopped, and
 * its directory removed, by {@link RedisClusterHandle.stop}; killed if the test runner exits first.
 */
export interface RedisClusterHandle {
  /** `redis://127.0.0.1:<port>` of every master. */
  urls: string[];
  ports: number[];
  /** A key prefix of its own (`test:<run>:`). */
  keyPrefix: string;
  /**
   * The variables a Cascade service needs to use this cluster: `REDIS_MODE=cluster`, `REDIS_URL`
   * (the seeds: every master) and `REDIS_KEY_PREFIX`.
   */
  env: Record<string, string>;
  /** The port of the master that holds `key`'s slot (`CLUSTER KEYSLOT`, `CLUSTER NODES`). */
  masterOf(key: string): Promise<number>;
  /**
   * Names `<name>-0`, `<name>-1`… whose keys (`keyOf`, the whole key as the cluster sees it) are
   * on every master, `perMaster` of each: a scenario over them runs on every shard, whatever
   * slots the run's key prefix gives its keys.
   */
  onEveryMaster(
    name: string,
    keyOf: (name: string) => string,
    perMaster?: number,
  ): Promise<string[]>;
  stop(): Promise<void>;
}

const running = new Set<ChildProcess>();
process.once('exit', () => {
  for (const child of running) child.kill('SIGKILL');
});

export async function startRedisCluster({ masters = 3 } = {}): Promise<RedisClusterHandle> {
  // Fails (never skips) where Redis is missing: scripts/bootstrap.sh installs it.
  for (const command of ['redis-server', 'redis-cli'])
    if (!onPath(command))
      throw new Error(
        `${command} is not on PATH: the Redis Cluster tests need Debian's redis-server ` +
          '(scripts/debian-packages.txt; `bash scripts/bootstrap.sh` installs it)',
      );
  if (masters < 3) throw new Error('a Redis Cluster needs at least 3 masters');
  // Client ports, then the cluster bus ports (`cluster-port`), in one run of free ports.
  const base = await freePortRange(2 * masters);
  const ports = Array.from({ length: masters }, (_, i) => base + i);
  const dir = mkdtempSync(join(tmpdir(), 'cascade-redis-cluster-'));
  const children: Array<{ port: number; child: ChildProcess; output: () => string }> = [];
  const stop = async () => {
    await Promise.all(
      children.map(async ({ child }) => {
        await stopProcess(child);
        running.delete(child);
      }),
    );
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    for (const [i, port] of ports.entries()) {
      const data = join(dir, String(port));
      mkdirSync(data);
      // prettier-ignore
      const child = spawn('redis-server', [
        '--port', String(port),
        '--bind', '127.0.0.1',
        '--cluster-enabled', 'yes',
        '--cluster-port', String(base + masters + i),
        '--cluster-config-file', join(data, 'nodes.conf'),
        '--cluster-node-timeout', '5000',
        '--dir', data,
        '--save', '',
        '--appendonly', 'no',
        '--daemonize', 'no',
      ], { stdio: ['ignore', 'pipe', 'pipe'] });
      running.add(child);
      children.push({ port, child, output: tailOutput(child) });
    }
    for (const { port, child, output } of children)
      await waitFor(
        `redis-server on ${port}`,
        async () => {
          if (child.exitCode !== null) throw new Error(`redis-server exited:\n${output()}`);
          return (await isReachable('127.0.0.1', port)) ? true : undefined;
        },
        { timeoutMs: 10_000, intervalMs: 50 },
      );
    await run(
      'redis-cli',
      [
        '--cluster',
        'create',
        ...ports.map((p) => `127.0.0.1:${p}`),
        '--cluster-replicas',
        '0',
        '--cluster-yes',
      ],
      { timeout: 30_000 },
    );
    // Every master must know the whole slot map before a client asks any of them for it.
    for (const port of ports)
      await waitFor(
        `the cluster to be ok on ${port}`,
        async () => {
          const { stdout } = await run('redis-cli', ['-p', String(port), 'cluster', 'info']);
          return stdout.includes('cluster_state:ok') &&
            stdout.includes(`cluster_known_nodes:${masters}`)
            ? true
            : undefined;
        },
        { timeoutMs: 20_000, intervalMs: 100 },
      );
  } catch (error) {
    const outputs = children.map(({ port, output }) => `── redis ${port} ──\n${output()}`);
    await stop().catch(() => undefined);
    throw new Error(`the Redis Cluster did not start: ${String(error)}\n${outputs.join('\n')}`, {
      cause: error,
    });
  }
  const urls = ports.map((p) => `redis://127.0.0.1:${p}`);
  const keyPrefix = `test:${Date.now().toString(36)}${randomBytes(3).toString('hex')}:`;
  const handle: RedisClusterHandle = {
    urls,
    ports,
    keyPrefix,
    env: { REDIS_MODE: 'cluster', REDIS_URL: urls.join(','), REDIS_KEY_PREFIX: keyPrefix },
    masterOf: async (key) => {
      const cli = (...args: string[]) => run('redis-cli', ['-p', String(ports[0]), ...args]);
      const slot = Number((await cli('cluster', 'keyslot', key)).stdout.trim());
      // <id> <ip:port@bus> <flags> <master> <ping> <pong> <epoch> <link> <slot ranges...>
      for (const line of (await cli('cluster', 'nodes')).stdout.trim().split('\n')) {
        const [, address, , , , , , , ...ranges] = line.split(' ');
        const owns = ranges.some((range) => {
          const [from, to = from] = range.split('-').map(Number);
          return slot >= from! && slot <= to!;
        });
        if (owns) return Number(address!.split('@')[0]!.split(':').pop());
      }
      throw new Error(`no master holds slot ${slot} of ${key}`);
    },
    onEveryMaster: async (name, keyOf, perMaster = 2) => {
      const picked = new Map<number, string[]>(ports.map((p) => [p, []]));
      for (let i = 0; i < 500; i++) {
        const candidate = `${name}-${i}`;
        const names = picked.get(await handle.masterOf(keyOf(candidate)))!;
        if (names.length < perMaster) names.push(candidate);
        if ([...picked.values()].every((n) => n.length === perMaster))
          return [...picked.values()].flat();
      }
      throw new Error(`no names ${name}-N found on every master`);
    },
    stop,
  };
  return handle;
}

/**
 * Jest helper: a Redis Cluster started before the suite and stopped after it.
 *
 *   const cluster = useRedisCluster();
 *   it('...', () => { cluster().env ... });
 */
export function useRedisCluster(
  options: { masters?: number } = {},
  timeoutMs = 60_000,
): () => RedisClusterHandle {
  let cluster: RedisClusterHandle | undefined;
  beforeAll(async () => {
    cluster = await startRedisCluster(options);
  }, timeoutMs);
  afterAll(async () => {
    await cluster?.stop();
  }, timeoutMs);
  return () => {
    if (!cluster)
      throw new Error('the Redis Cluster is not started yet (use it inside a test or hook)');
    return cluster;
  };
}
