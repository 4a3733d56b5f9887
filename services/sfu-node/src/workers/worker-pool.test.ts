import { EventEmitter } from 'node:events';

import type { types as ms } from 'mediasoup';

import { WorkerPool } from './worker-pool';

/** Just enough of a mediasoup Worker for the pool's bookkeeping. */
class FakeWorker extends EventEmitter {
  died = false;
  closed = false;
  subprocessClosed = false;
  pid = 0;
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
    { count, logLevel: 'warn' },
  );
  return { pool, created };
}

describe('WorkerPool', () => {
  it('starts the configured number of workers and is healthy', async () => {
    const { pool, created } = poolOf(3);
    expect(pool.healthy).toBe(false);
    await pool.start();
    expect(created).toHaveLength(3);
    expect(pool.healthy).toBe(true);
  });

  it('reports a dead worker by index and becomes unhealthy', async () => {
    const { pool, created } = poolOf(2);
    await pool.start();
    const died = jest.fn();
    pool.on('workerDied', died);
    created[1]!.die();
    expect(died).toHaveBeenCalledWith(1, expect.any(Error));
    expect(pool.healthy).toBe(false);
  });

  it('closes every worker once, waits for their processes, and emits closed once', async () => {
    const { pool, created } = poolOf(2);
    await pool.start();
    const closed = jest.fn();
    pool.on('closed', closed);
    await Promise.all([pool.close(), pool.close()]);
    expect(created.every((w) => w.subprocessClosed)).toBe(true);
    expect(created.every((w) => w.closed)).toBe(true);
    expect(closed).toHaveBeenCalledTimes(1);
    expect(pool.closed).toBe(true);
  });
});
