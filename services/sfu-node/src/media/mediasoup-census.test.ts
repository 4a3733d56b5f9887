import { EventEmitter } from 'node:events';

import type { types as ms } from 'mediasoup';

import { MediasoupCensus } from './mediasoup-census';

/** A transport as the census sees it: an id, a type, an observer, a dump. */
function fakeTransport(id: string, type: ms.TransportType) {
  const observer = new EventEmitter();
  const dump = async () => ({
    producerIds: [],
    consumerIds: [],
    dataProducerIds: [],
    dataConsumerIds: [],
  });
  return { id, type, observer, dump } as unknown as ms.Transport & { observer: EventEmitter };
}

/** A router's dump listing `transportIds`, and nothing else. */
function routerDump(transportIds: string[]) {
  return {
    id: 'r1',
    transportIds,
    rtpObserverIds: [],
    mapProducerIdConsumerIds: [],
    mapConsumerIdProducerId: [],
    mapDataProducerIdDataConsumerIds: [],
    mapDataConsumerIdDataProducerId: [],
  };
}

/** A live worker with router r1, whose observer announces its routers. */
function fakeWorker() {
  const observer = new EventEmitter();
  const worker = {
    closed: false,
    died: false,
    observer,
    dump: async () => ({ routerIds: ['r1'] }),
  };
  return { worker: worker as unknown as ms.Worker, observer };
}

describe('MediasoupCensus, what the worker holds that the node does not know', () => {
  it('counts it as transport/unknown and warns once, saying whether the node closed it', async () => {
    const routerObserver = new EventEmitter();
    const router = {
      id: 'r1',
      observer: routerObserver,
      dump: async () => routerDump(['known', 'closed', 'never']),
    };
    const { worker, observer: workerObserver } = fakeWorker();
    const warnings: Array<{ fields: Record<string, unknown>; message: string }> = [];
    const census = new MediasoupCensus((fields, message) => warnings.push({ fields, message }));
    census.track(worker);
    workerObserver.emit('newrouter', router);
    const closed = fakeTransport('closed', 'webrtc');
    routerObserver.emit('newtransport', fakeTransport('known', 'webrtc'));
    routerObserver.emit('newtransport', closed);
    closed.observer.emit('close');

    const counts = await census.count();
    const transports = Object.fromEntries(
      counts
        .filter((c) => c.kind === 'transport' && c.count > 0)
        .map((c) => [c.transport, c.count]),
    );
    expect(transports).toEqual({ webrtc: 1, unknown: 2 });
    expect(warnings).toEqual([
      {
        fields: { transportId: 'closed', routerId: 'r1', closedAgoMs: expect.any(Number) },
        message: 'a mediasoup worker still holds a transport this node closed',
      },
      {
        fields: { transportId: 'never', routerId: 'r1' },
        message: 'a mediasoup worker holds a transport this node never made (or closed long ago)',
      },
    ]);
    await census.count();
    expect(warnings).toHaveLength(2);
  });

  it('takes no transport closed while the router dump was on its way for a leak', async () => {
    const routerObserver = new EventEmitter();
    let answer!: () => void;
    const router = {
      id: 'r1',
      observer: routerObserver,
      dump: () =>
        new Promise((resolve) => {
          answer = () => resolve(routerDump(['late']));
        }),
    };
    const { worker, observer: workerObserver } = fakeWorker();
    const warnings: string[] = [];
    const census = new MediasoupCensus((_fields, message) => warnings.push(message));
    census.track(worker);
    workerObserver.emit('newrouter', router);
    const late = fakeTransport('late', 'webrtc');
    routerObserver.emit('newtransport', late);

    const counting = census.count();
    await new Promise((resolve) => setImmediate(resolve)); // the router's dump is asked for
    late.observer.emit('close');
    answer();
    const transports = (await counting).filter((c) => c.kind === 'transport' && c.count > 0);
    expect(transports).toEqual([{ kind: 'transport', transport: 'webrtc', count: 1 }]);
    expect(warnings).toEqual([]);
  });
});
