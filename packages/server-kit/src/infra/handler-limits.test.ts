import { BoundedHandlerQueue } from './handler-limits';

/** A handler that finishes when told to, one promise per item. */
function gatedHandler() {
  const started: number[] = [];
  const gates = new Map<number, () => void>();
  const run = (item: number) =>
    new Promise<void>((resolve) => {
      started.push(item);
      gates.set(item, resolve);
    });
  const finish = async (item: number) => {
    gates.get(item)!();
    // Let the queue's settlement callbacks run.
    for (let i = 0; i < 5; i++) await Promise.resolve();
  };
  return { started, run, finish };
}

describe('BoundedHandlerQueue', () => {
  it('runs up to the concurrency, queues up to the queue length and refuses the rest', () => {
    const h = gatedHandler();
    const queue = new BoundedHandlerQueue({ concurrency: 2, queue: 3 }, h.run);
    const accepted = [1, 2, 3, 4, 5, 6, 7].map((i) => queue.offer(i));
    expect(accepted).toEqual([true, true, true, true, true, false, false]);
    expect(h.started).toEqual([1, 2]);
    expect([queue.running, queue.waiting, queue.refused]).toEqual([2, 3, 2]);
  });

  it('starts the waiting items in arrival order as handlers finish, failed or not', async () => {
    const started: number[] = [];
    const gates = new Map<number, { resolve: () => void; reject: (e: Error) => void }>();
    const queue = new BoundedHandlerQueue({ concurrency: 1, queue: 2 }, (item: number) => {
      started.push(item);
      return new Promise<void>((resolve, reject) => gates.set(item, { resolve, reject }));
    });
    for (const i of [1, 2, 3]) queue.offer(i);
    gates.get(1)!.reject(new Error('boom'));
    await new Promise((resolve) => setImmediate(resolve));
    expect(started).toEqual([1, 2]);
    expect(queue.offer(4)).toBe(true);
    gates.get(2)!.resolve();
    await new Promise((resolve) => setImmediate(resolve));
    expect(started).toEqual([1, 2, 3]);
    expect(queue.waiting).toBe(1);
  });

  it('takes new work again once the backlog drains', async () => {
    const h = gatedHandler();
    const queue = new BoundedHandlerQueue({ concurrency: 1, queue: 0 }, h.run);
    expect([queue.offer(1), queue.offer(2)]).toEqual([true, false]);
    await h.finish(1);
    expect(queue.offer(3)).toBe(true);
    expect(h.started).toEqual([1, 3]);
  });
});
