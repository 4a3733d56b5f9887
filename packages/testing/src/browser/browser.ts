import { type ChildProcess, fork } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';

import type { types as ms } from 'mediasoup';
import type { types as client } from 'mediasoup-client';

import type {
  BrowserMethods,
  ReceivedMedia,
  SignallingMethods,
  SyntheticMedia,
  TrackSource,
} from './browser-process';
import { stopProcess, tailOutput } from './processes';
import { type Channel, IpcRpc } from './rpc';

export type { ReceivedMedia, SyntheticMedia, TrackSource };

// SAME_JSON: mediasoup-client's RtpParameters and RtpCapabilities are mediasoup's on the wire,
// but the packages' unions of header extension URIs differ by a client-only entry.

export const DEFAULT_MEDIA: SyntheticMedia = {
  video: { width: 320, height: 240, fps: 15 },
  audio: { frequencyHz: 440, sampleRate: 48_000 },
};

/**
 * The server side of one client transport: what answers its `connect` event and, for a send
 * transport, its `produce` events (resolving with the server's producer id). In-process
 * mediasoup objects for {@link BrowserClient.publish} / {@link BrowserClient.subscribe}; an SFU
 * node's control API for `sfu-participant.ts`.
 */
export interface TransportSignalling {
  connect(dtlsParameters: client.DtlsParameters): Promise<void>;
  produce?(p: {
    kind: client.MediaKind;
    rtpParameters: client.RtpParameters;
    source: TrackSource;
  }): Promise<string>;
}

/** What the client needs to open its side of a server transport. */
export type ClientTransportOptions = Pick<
  client.TransportOptions,
  'id' | 'iceParameters' | 'iceCandidates' | 'dtlsParameters'
>;

/**
 * A WebRTC client as a browser runs it: a stock mediasoup-client `Device` ('Chrome111' handler)
 * on libwebrtc (@roamhq/wrtc), with a synthetic camera and microphone and sinks that decode what
 * it receives. Its transports' `connect` and `produce` events are answered by a
 * {@link TransportSignalling}: directly by the server-side mediasoup transports handed to
 * {@link publish} and {@link subscribe}, or by whatever is handed to {@link publishThrough} and
 * {@link consumeThrough}.
 *
 * The client lives in a Node process of its own (browser-process.ts), as a browser would:
 * @roamhq/wrtc 0.10 crashes Node on a natural exit once a media source has existed, which inside
 * Jest turns a passing run into exit code 139.
 */
export class BrowserClient {
  readonly #transports = new Map<string, TransportSignalling>();
  readonly #output: () => string;
  #rpc!: IpcRpc<BrowserMethods, SignallingMethods>;
  #rtpCapabilities: client.RtpCapabilities | undefined;

  private constructor(
    readonly name: string,
    private readonly child: ChildProcess,
  ) {
    this.#output = tailOutput(child);
  }

  static async launch(name: string, timeoutMs = 15_000): Promise<BrowserClient> {
    // From sources (tests) the client is TypeScript run through run-ts.js; built, it is plain JS.
    const compiled = join(__dirname, 'browser-process.js');
    const [entry, args] = existsSync(compiled)
      ? [compiled, []]
      : [join(__dirname, 'run-ts.js'), [join(__dirname, 'browser-process.ts')]];
    const child = fork(entry, args, {
      execArgv: [],
      stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
    });
    const browser = new BrowserClient(name, child);
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(browser.#failure(`did not start within ${timeoutMs} ms`)),
        timeoutMs,
      );
      child.once('exit', (code, signal) =>
        reject(browser.#failure(`exited at start (${code ?? signal})`)),
      );
      browser.#rpc = new IpcRpc<BrowserMethods, SignallingMethods>(child as Channel, {
        ready: () => (clearTimeout(timer), resolve()),
        connect: ({ transportId, dtlsParameters }) =>
          browser.#transport(transportId).connect(dtlsParameters),
        produce: async ({ transportId, ...track }) => {
          const server = browser.#transport(transportId);
          if (!server.produce)
            throw new Error(`${name} produced on receive transport ${transportId}`);
          return { id: await server.produce(track) };
        },
      });
    }).catch(async (error: unknown) => {
      await stopProcess(child);
      throw error;
    });
    child.once('exit', (code, signal) =>
      browser.#rpc.failPending(browser.#failure(`exited (${code ?? signal})`).message),
    );
    return browser;
  }

  /** Loads the Device with the router's capabilities, as a client does on joining a room. */
  async load(routerRtpCapabilities: ms.RtpCapabilities | client.RtpCapabilities): Promise<void> {
    this.#rtpCapabilities = await this.#rpc.request('load', {
      routerRtpCapabilities: routerRtpCapabilities as client.RtpCapabilities, // see SAME_JSON
    });
  }

  /** What the loaded Device can receive: the capabilities a server consumes for it with. */
  get rtpCapabilities(): client.RtpCapabilities {
    if (!this.#rtpCapabilities) throw new Error(`${this.name} must load() first`);
    return this.#rtpCapabilities;
  }

  /** Opens a send transport to `transport` and produces the camera and the microphone on it. */
  async publish(transport: ms.WebRtcTransport, media = DEFAULT_MEDIA): Promise<ms.Producer[]> {
    const producers = new Map<string, ms.Producer>();
    const producerIds = await this.publishThrough(
      clientSide(transport),
      {
        connect: (dtlsParameters) => transport.connect({ dtlsParameters }),
        produce: async ({ kind, rtpParameters }) => {
          const producer = await transport.produce({
            kind,
            rtpParameters: rtpParameters as ms.RtpParameters, // see SAME_JSON
          });
          producers.set(producer.id, producer);
          return producer.id;
        },
      },
      media,
    );
    return producerIds.map((id) => producers.get(id) as ms.Producer);
  }

  /**
   * Opens a send transport to the server transport `transport` describes and produces the
   * camera (video) and the microphone (audio) on it; `server` answers its `connect` and
   * `produce` events. Resolves with the producer ids `server` returned, camera first.
   */
  async publishThrough(
    transport: ClientTransportOptions,
    server: TransportSignalling,
    media = DEFAULT_MEDIA,
  ): Promise<string[]> {
    this.#transports.set(transport.id, server);
    const { producerIds } = await this.#rpc.request('publish', { transport, media });
    return producerIds;
  }

  /**
   * Consumes `producers` through `transport` the way mediasoup recommends: server-side consumers
   * start paused, the client consumes them, then the server resumes them (so the first key frame
   * reaches a receiver that is ready for it).
   */
  async subscribe(transport: ms.WebRtcTransport, producers: ms.Producer[]): Promise<ms.Consumer[]> {
    const consumers: ms.Consumer[] = [];
    for (const producer of producers) {
      consumers.push(
        await transport.consume({
          producerId: producer.id,
          rtpCapabilities: this.rtpCapabilities as ms.RtpCapabilities, // see SAME_JSON
          paused: true,
        }),
      );
    }
    await this.consumeThrough(
      clientSide(transport),
      { connect: (dtlsParameters) => transport.connect({ dtlsParameters }) },
      consumers.map(({ id, producerId, kind, rtpParameters }) => ({
        id,
        producerId,
        kind,
        rtpParameters: rtpParameters as client.RtpParameters, // see SAME_JSON
      })),
    );
    for (const consumer of consumers) await consumer.resume();
    return consumers;
  }

  /**
   * Receives server-side consumers on the client: opens a receive transport to the server
   * transport `transport` describes (the first time; the client has one), whose `connect` event
   * `server` answers, and consumes each of `consumers` there into a decoding sink. Resuming the
   * server-side consumers is the caller's part.
   */
  async consumeThrough(
    transport: ClientTransportOptions,
    server: TransportSignalling,
    consumers: client.ConsumerOptions[],
  ): Promise<void> {
    this.#transports.set(transport.id, server);
    await this.#rpc.request('subscribe', { transport, consumers });
  }

  /** What the client's sinks have decoded so far. */
  received(): Promise<ReceivedMedia> {
    return this.#rpc.request('received', undefined);
  }

  /** Stops the camera, microphone and sinks, closes the transports, and ends the process. */
  async close(): Promise<void> {
    if (this.child.exitCode === null && this.child.signalCode === null) {
      await this.#rpc.request('close', undefined).catch(() => undefined);
    }
    await stopProcess(this.child);
  }

  #transport(id: string): TransportSignalling {
    const transport = this.#transports.get(id);
    if (!transport) throw new Error(`${this.name} used an unknown transport ${id}`);
    return transport;
  }

  #failure(what: string): Error {
    return new Error(`browser ${this.name} ${what}\n${this.#output()}`);
  }
}

function clientSide(transport: ms.WebRtcTransport): ClientTransportOptions {
  const { id, iceParameters, iceCandidates, dtlsParameters } = transport;
  return { id, iceParameters, iceCandidates, dtlsParameters };
}
