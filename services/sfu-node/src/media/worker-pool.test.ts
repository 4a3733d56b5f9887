import { EventEmitter } from 'node:events';

import type { types as ms } from 'mediasoup';

import { WorkerPool } from './worker-pool';

let nextPid = 100;

/** Just enough of a mediasoup Worker for the pool's bookkeeping. */
class FakeWorker extends EventEmitter {
  readonly pid = nextPid++;
  died = false;
  closed = false;
  subprocessClosed = false;
  readonly servers: unknown[] = [];
  async createWebRtcServer(options: unknown) {
    this.servers.push(options);
    return { id: `server-${this.pid}` };
  }
  close() {
    this.closed = true;
    setImmediate(() => {
      this.subprocessClosed = true;
      this.emit('subprocessclose');
    });
  }
  die() {
    this.died = true;
    this.emit('died', new Error('killed'));
  }
}

function poolOf(count: number) {
  const created: FakeWorker[] = [];
  const pool = new WorkerPool(
    async () => {
      const w = new FakeWorker();
      created.push(w);
      return w as unknown as ms.Worker;
    },
    {
      count,
      logLevel: 'warn',
      listenIp: '10.0.0.5',
      announcedAddress: '203.0.113.9',
      webRtcPortBase: 40_000,
    },
  );
  return { pool, created };
}

describe('WorkerPool', () => {
  it('starts one worker per slot, each with a WebRtcServer on base port + index (UDP and TCP)', async () => {
    const { pool, created } = poolOf(2);
    expect(pool.healthy).toBe(false);
    await pool.start();
    expect(pool.healthy).toBe(true);
    expect(created[1]!.servers).toEqual([
      {
        listenInfos: [
          { protocol: 'udp', ip: '10.0.0.5', announcedAddress: '203.0.113.9', port: 40_001 },
          { protocol: 'tcp', ip: '10.0.0.5', announcedAddress: '203.0.113.9', port: 40_001 },
        ],
      },
    ]);
  });

  it('reports a dead worker, replaces it on the same ports, and is healthy again', async () => {
    const { pool, created } = poolOf(2);
    await pool.start();
    const events: string[] = [];
    pool.on('workerDied', (i) => events.push(`died ${i}`));
    const replaced = new Promise<number>((resolve) => pool.on('workerReplaced', resolve));
    created[1]!.die();
    expect(events).toEqual(['died 1']);
    expect(pool.healthy).toBe(false);
    expect(await replaced).toBe(1);
    expect(pool.healthy).toBe(true);
    expect(pool.slot(1)!.worker).toBe(created[2]);
    expect(created[2]!.servers).toEqual(created[1]!.servers);
  });

  it('closes every worker once, waits for their processes, and emits closed once', async () => {
    const { pool, created } = poolOf(2);
    await pool.start();
    const closed = jest.fn();
    pool.on('closed', closed);
    await pool.close();
    await pool.close();
    expect(created.every((w) => w.subprocessClosed)).toBe(true);
    expect(closed).toHaveBeenCalledTimes(1);
  });
});
