import { execFileSync } from 'node:child_process';

import { ServiceProcess, useInfrastructure } from '@cascade/testing';

function workerPids(parentPid: number): number[] {
  const out = execFileSync('ps', ['--ppid', String(parentPid), '-o', 'pid=,comm='], {
    encoding: 'utf8',
  });
  return out
    .split('\n')
    .map((line) => line.trim().split(/\s+/))
    .filter(([, comm]) => comm?.startsWith('mediasoup-work'))
    .map(([pid]) => Number(pid));
}

describe('sfu-node mediasoup workers', () => {
  const infra = useInfrastructure({ nats: true });
  let node: ServiceProcess | undefined;

  afterEach(async () => {
    await node?.kill();
    node = undefined;
  });

  it('starts the configured number of worker processes and closes them on SIGTERM', async () => {
    node = await ServiceProcess.spawn('sfu-node', { ...infra().env, MEDIASOUP_NUM_WORKERS: '2' });
    await node.waitForReadiness(200);
    const pids = workerPids(node.child.pid!);
    expect(pids).toHaveLength(2);
    expect(await (await node.fetch('/metrics')).text()).toMatch(
      /^mediasoup_workers_alive\{service="sfu-node"\} 2$/m,
    );

    expect(await node.signal('SIGTERM')).toMatchObject({ code: 0 });
    for (const pid of pids) expect(() => process.kill(pid, 0)).toThrow();
  });

  it('is not ready once a worker process dies, while it stays alive', async () => {
    node = await ServiceProcess.spawn('sfu-node', { ...infra().env, MEDIASOUP_NUM_WORKERS: '1' });
    await node.waitForReadiness(200);
    const [pid] = workerPids(node.child.pid!);
    process.kill(pid!, 'SIGKILL');

    const report = (await node.waitForReadiness(503)) as {
      checks: Record<string, { ok: boolean }>;
    };
    expect(report.checks['mediasoup-workers']).toMatchObject({ ok: false });
    expect(report.checks['nats']).toMatchObject({ ok: true });
    expect((await node.fetch('/healthz')).status).toBe(200);
    expect(node.output).toContain('mediasoup worker 0 died');
  });

  it('refuses a MEDIASOUP_WORKER_BIN that is not an executable and names it', async () => {
    node = await ServiceProcess.spawn('sfu-node', {
      ...infra().env,
      MEDIASOUP_WORKER_BIN: '/nonexistent/mediasoup-worker',
    });
    expect((await node.exited).code).toBe(1);
    expect(node.output).toContain('MEDIASOUP_WORKER_BIN is invalid');
  });
});
