import type { types as ms } from 'mediasoup';

export type MediasoupObjectKind =
  | 'router'
  | 'transport'
  | 'producer'
  | 'consumer'
  | 'data_producer'
  | 'data_consumer'
  | 'rtp_observer';

/**
 * How many objects of a kind the workers hold. `transport` is the type of the transport they live
 * on (a producer on a pipe transport is a piped-in copy, a consumer there sends a local producer
 * to another node or worker); `unknown` for a transport this process never saw created (none, as
 * long as mediasoup and the node agree); empty for routers and RTP observers.
 */
export interface MediasoupCount {
  kind: MediasoupObjectKind;
  transport: ms.TransportType | 'unknown' | '';
  count: number;
}

/** How many closed transports the census remembers, for its warnings. */
const RECENTLY_CLOSED = 1_000;

type Dump = Pick<
  ms.BaseTransportDump,
  'producerIds' | 'consumerIds' | 'dataProducerIds' | 'dataConsumerIds'
>;

/** The parts of a mediasoup worker the census reads (real workers; fakes in tests). */
type Worker = Pick<ms.Worker, 'dump' | 'observer' | 'closed' | 'died'>;

/**
 * Counts what this node's mediasoup workers really hold: the routers, transports, producers,
 * consumers, data producers and consumers and RTP observers that exist in the worker processes,
 * from the workers' own dumps (a worker dump, a dump of each of its routers, and a dump of each
 * transport that is not a WebRTC one), not from the node's bookkeeping, so that an object the
 * node forgot to close shows even when the node forgot it too. The node's JavaScript side only
 * names the transports' types (it sees them created).
 *
 * A transport the dump lists that the node does not know is a leak, warned once (and counted as
 * `unknown` on every census while the worker holds it), unless the node closed it after the
 * router's dump was asked for: then the worker answered the dump before it got the close request
 * (a channel's requests are handled in order), and under load the answer can come seconds after
 * the close.
 *
 * Cost of one {@link count}: one request per worker, one per router and one per non-WebRTC
 * transport (pipes: one per room and peer node), each answered by the worker from memory.
 */
export class MediasoupCensus {
  readonly #workers = new Set<Worker>();
  readonly #routers = new Map<string, ms.Router>();
  readonly #transports = new Map<string, ms.Transport>();
  /**
   * The last transports closed here (id → when, the number of that close, its type), to tell what
   * an unknown transport was.
   */
  readonly #closed = new Map<string, { at: number; seq: number; type: ms.TransportType }>();
  /** Transports closed here so far: the number of the last close. */
  #closes = 0;
  /** Unknown transports already reported (once each). */
  readonly #reported = new Set<string>();

  constructor(
    private readonly warn: (fields: Record<string, unknown>, message: string) => void = () => {},
  ) {}

  /** Follows a worker's routers and transports from now on, until it closes. */
  track(worker: Worker): void {
    this.#workers.add(worker);
    worker.observer.once('close', () => this.#workers.delete(worker));
    worker.observer.on('newrouter', (router) => {
      this.#routers.set(router.id, router);
      router.observer.once('close', () => this.#routers.delete(router.id));
      router.observer.on('newtransport', (transport) => {
        this.#transports.set(transport.id, transport);
        transport.observer.once('close', () => {
          this.#transports.delete(transport.id);
          this.#closed.set(transport.id, {
            at: Date.now(),
            seq: ++this.#closes,
            type: transport.type,
          });
          if (this.#closed.size > RECENTLY_CLOSED)
            this.#closed.delete(this.#closed.keys().next().value!);
        });
      });
    });
  }

  /** What the live workers hold now, every kind and transport type listed (zeros included). */
  async count(): Promise<MediasoupCount[]> {
    const counts = new Map<string, MediasoupCount>();
    const add = (kind: MediasoupObjectKind, transport: MediasoupCount['transport'], n: number) => {
      const key = `${kind}/${transport}`;
      const entry = counts.get(key);
      if (entry) entry.count += n;
      else counts.set(key, { kind, transport, count: n });
    };
    add('router', '', 0);
    add('rtp_observer', '', 0);
    for (const kind of [
      'transport',
      'producer',
      'consumer',
      'data_producer',
      'data_consumer',
    ] as const)
      for (const type of ['webrtc', 'plain', 'pipe', 'direct'] as const) add(kind, type, 0);

    for (const worker of [...this.#workers]) {
      if (worker.closed || worker.died) continue;
      const dump = await worker.dump().catch(() => undefined);
      if (!dump) continue; // closed meanwhile
      for (const routerId of dump.routerIds) {
        add('router', '', 1);
        const router = this.#routers.get(routerId);
        if (!router) continue; // closed meanwhile
        // The closes made before the dump is asked for: the worker handles a channel's requests
        // in order, so their transports are gone from the dump; one closed later may be in it.
        const asked = this.#closes;
        const rd = await router.dump().catch(() => undefined);
        if (rd) await this.#countRouter(rd, asked, add);
      }
    }
    return [...counts.values()];
  }

  async #countRouter(
    rd: ms.RouterDump,
    asked: number,
    add: (kind: MediasoupObjectKind, transport: MediasoupCount['transport'], n: number) => void,
  ): Promise<void> {
    add('rtp_observer', '', rd.rtpObserverIds.length);
    // The router's totals; what lives on transports other than WebRTC ones is counted on them
    // and taken off the totals, the rest is on WebRTC transports.
    const totals = {
      producer: rd.mapProducerIdConsumerIds.length,
      consumer: rd.mapConsumerIdProducerId.length,
      data_producer: rd.mapDataProducerIdDataConsumerIds.length,
      data_consumer: rd.mapDataConsumerIdDataProducerId.length,
    };
    for (const transportId of rd.transportIds) {
      const transport = this.#transports.get(transportId);
      const closed = this.#closed.get(transportId);
      // Closed here after the dump was asked for (while it was on its way, or while this loop
      // waited for another transport's dump): the worker held it then, and its close request
      // comes after the dump's. Counted as what it was, not a leak.
      const closedSince = !transport && closed !== undefined && closed.seq > asked;
      const type = transport?.type ?? (closedSince ? closed.type : 'unknown');
      if (!transport && !closedSince && !this.#reported.has(transportId)) {
        this.#reported.add(transportId);
        this.warn(
          {
            transportId,
            routerId: rd.id,
            ...(closed === undefined ? {} : { closedAgoMs: Date.now() - closed.at }),
          },
          closed === undefined
            ? 'a mediasoup worker holds a transport this node never made (or closed long ago)'
            : 'a mediasoup worker still holds a transport this node closed',
        );
      }
      add('transport', type, 1);
      if (type === 'webrtc' || !transport) continue;
      // Every transport's dump starts with the base fields (its type's own follow).
      const td = transport && ((await transport.dump().catch(() => undefined)) as Dump | undefined);
      if (!td) continue;
      const on = {
        producer: td.producerIds.length,
        consumer: td.consumerIds.length,
        data_producer: td.dataProducerIds.length,
        data_consumer: td.dataConsumerIds.length,
      };
      for (const kind of Object.keys(on) as Array<keyof typeof on>) {
        add(kind, type, on[kind]);
        totals[kind] -= on[kind];
      }
    }
    // (An object made between the router's dump and a transport's could make a total short.)
    for (const kind of Object.keys(totals) as Array<keyof typeof totals>)
      add(kind, 'webrtc', Math.max(0, totals[kind]));
  }
}
