import { ServiceProcess, useInfrastructure } from '@cascade/testing';

import { useSfuCluster, workerPids } from './support/sfu-nodes';

const room = { tenantId: 'acme', roomId: 'standup' };

describe('sfu-node mediasoup workers', () => {
  const cluster = useSfuCluster();

  it('starts the configured number of worker processes and closes them on SIGTERM', async () => {
    const node = await cluster.spawn('workers-two', { MEDIASOUP_NUM_WORKERS: '2' });
    const pids = workerPids(node.process.child.pid!);
    expect(pids).toHaveLength(2);
    expect(await (await node.process.fetch('/metrics')).text()).toMatch(
      /^mediasoup_workers_alive\{service="sfu-node"\} 2$/m,
    );

    expect(await node.process.signal('SIGTERM')).toMatchObject({ code: 0 });
    for (const pid of pids) expect(() => process.kill(pid, 0)).toThrow();
  });

  it('reports a dead worker with the participants it lost, and serves new rooms on its replacement', async () => {
    const node = await cluster.spawn('workers-die');
    const { client } = node;
    await client.request('transport.createWebRtc', {
      ...room,
      participantId: 'alice',
      direction: 'send',
    });
    const [pid] = workerPids(node.process.child.pid!);

    process.kill(pid!, 'SIGKILL');

    const died = await cluster.waitForEvent(
      'node',
      (e) => e.type === 'worker.died' && e.nodeId === node.id,
    );
    expect(died).toMatchObject({
      workerIndex: 0,
      replaced: true,
      lost: [{ tenantId: 'acme', roomId: 'standup', participantIds: ['alice'] }],
    });
    expect(node.process.output).toContain('mediasoup worker 0 died');
    await node.process.waitForReadiness(200);
    const [replacement] = workerPids(node.process.child.pid!);
    expect(replacement).not.toBe(pid);

    // The lost participant is gone; a new room (and the old one, anew) is served.
    await expect(
      client.request('transport.createWebRtc', {
        ...room,
        roomId: 'retro',
        participantId: 'bob',
        direction: 'send',
      }),
    ).resolves.toMatchObject({ workerIndex: 0 });
    const dump = await client.request('node.dump', {});
    expect(dump['workers']).toEqual([expect.objectContaining({ index: 0, pid: replacement })]);
  });
});

describe('sfu-node configuration', () => {
  const infra = useInfrastructure({ nats: true });

  it('refuses a MEDIASOUP_WORKER_BIN that is not an executable and names it', async () => {
    const node = await ServiceProcess.spawn('sfu-node', {
      ...infra().env,
      MEDIASOUP_WORKER_BIN: '/nonexistent/mediasoup-worker',
    });
    expect((await node.exited).code).toBe(1);
    expect(node.output).toContain('MEDIASOUP_WORKER_BIN is invalid');
  });

  it('refuses a port range upside down and names it', async () => {
    const node = await ServiceProcess.spawn('sfu-node', {
      ...infra().env,
      MEDIASOUP_RTC_MIN_PORT: '50000',
      MEDIASOUP_RTC_MAX_PORT: '40000',
    });
    expect((await node.exited).code).toBe(1);
    expect(node.output).toContain('MEDIASOUP_RTC_MIN_PORT is invalid');
  });
});
