import type { types as ms } from 'mediasoup';

import { RoomRouters, type RouterWorker } from './room-routers';

/** Workers whose routers record the pipes asked of them; `failing` workers refuse a router. */
function fakeWorkers(options: { count?: number; failing?: number[] } = {}) {
  const pipes: string[] = [];
  const closed: number[] = [];
  let created = 0;
  const worker = (index: number): RouterWorker | undefined =>
    index >= (options.count ?? 2)
      ? undefined
      : {
          createRouter: (async () => {
            created++;
            if (options.failing?.includes(index)) throw new Error('worker refused');
            const router = {
              index,
              close: () => closed.push(index),
              pipeToRouter: async (o: {
                producerId?: string;
                dataProducerId?: string;
                router: { index: number };
              }) => {
                const id = o.producerId ?? o.dataProducerId;
                if (pipes.includes(`${id} ${index}->${o.router.index}`))
                  throw new Error(`a producer with id "${id}" already exists`);
                pipes.push(`${id} ${index}->${o.router.index}`);
                return {};
              },
            };
            return router as unknown as ms.Router;
          }) as RouterWorker['createRouter'],
        };
  return { worker, pipes, closed, created: () => created };
}

describe('RoomRouters', () => {
  it('makes one router per worker, on first use, and lists the workers it has one on', async () => {
    const workers = fakeWorkers();
    const routers = new RoomRouters('acme/standup', workers.worker);
    const [a, b] = await Promise.all([routers.router(1), routers.router(1)]);
    expect(a).toBe(b);
    expect(workers.created()).toBe(1);
    expect(routers.workerIndexes).toEqual([1]);
  });

  it('refuses a worker the node does not run with NODE_UNAVAILABLE', () => {
    const routers = new RoomRouters('acme/standup', fakeWorkers({ count: 1 }).worker);
    expect(() => routers.router(3)).toThrow(expect.objectContaining({ code: 'NODE_UNAVAILABLE' }));
  });

  it('forgets a router whose creation failed, so that the next call tries again', async () => {
    const workers = fakeWorkers({ failing: [0] });
    const routers = new RoomRouters('acme/standup', workers.worker);
    await expect(routers.router(0)).rejects.toThrow('worker refused');
    expect(routers.workerIndexes).toEqual([]);
    await expect(routers.router(0)).rejects.toThrow('worker refused');
    expect(workers.created()).toBe(2);
  });

  it('pipes a producer to another worker once, even when asked concurrently', async () => {
    const workers = fakeWorkers();
    const routers = new RoomRouters('acme/standup', workers.worker);
    await Promise.all([routers.pipeProducer('p1', 0, 1), routers.pipeProducer('p1', 0, 1)]);
    await routers.pipeProducer('p1', 0, 0); // its own worker: nothing to pipe
    expect(workers.pipes).toEqual(['p1 0->1']);
  });

  it('asks the router again for a producer it forgot (it closed; a new one may take its id)', async () => {
    const workers = fakeWorkers();
    const routers = new RoomRouters('acme/standup', workers.worker);
    await routers.pipeProducer('p1', 0, 1);
    routers.forgetProducer('p1');
    await expect(routers.pipeProducer('p1', 0, 1)).rejects.toThrow(/already exists/);
    expect(workers.pipes).toEqual(['p1 0->1']);
  });

  it('takes a data producer piped to the router already as piped', async () => {
    const workers = fakeWorkers();
    const routers = new RoomRouters('acme/standup', workers.worker);
    await routers.pipeDataProducer('d1', 0, 1);
    await routers.pipeDataProducer('d1', 0, 1);
    expect(workers.pipes).toEqual(['d1 0->1']);
  });

  it('pipes a producer again to the router that replaced a lost worker', async () => {
    const workers = fakeWorkers();
    const routers = new RoomRouters('acme/standup', workers.worker);
    await routers.pipeProducer('p1', 0, 1);
    routers.workerLost(1);
    workers.pipes.length = 0; // the dead worker's router took its pipes with it
    const replacement = await routers.router(1);
    await routers.pipeProducer('p1', 0, 1);
    expect(workers.pipes).toEqual(['p1 0->1']);
    expect(await routers.router(1)).toBe(replacement);
    expect(workers.created()).toBe(3);
  });

  it('drops the router of a lost worker and closes the others on close', async () => {
    const workers = fakeWorkers();
    const routers = new RoomRouters('acme/standup', workers.worker);
    await Promise.all([routers.router(0), routers.router(1)]);
    expect(routers.workerLost(1)).toBe(true);
    expect(routers.workerLost(1)).toBe(false);
    routers.close();
    await new Promise((resolve) => setImmediate(resolve));
    expect(workers.closed).toEqual([0]);
    expect(routers.workerIndexes).toEqual([]);
  });
});
