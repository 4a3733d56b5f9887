import { type ChildProcess, fork } from 'node:child_process';
import { join } from 'node:path';

import type { types as ms } from 'mediasoup';

import type {
  BrowserMethods,
  ReceivedMedia,
  SignallingMethods,
  SyntheticMedia,
} from './browser-process';
import { stopProcess, tailOutput } from './processes';
import { type Channel, IpcRpc } from './rpc';

export type { ReceivedMedia, SyntheticMedia };

// SAME_JSON: mediasoup-client's RtpParameters and RtpCapabilities are mediasoup's on the wire,
// but the packages' unions of header extension URIs differ by a client-only entry.

export const DEFAULT_MEDIA: SyntheticMedia = {
  video: { width: 320, height: 240, fps: 15 },
  audio: { frequencyHz: 440, sampleRate: 48_000 },
};

/**
 * A WebRTC client as a browser runs it: a stock mediasoup-client `Device` ('Chrome111' handler)
 * on libwebrtc (@roamhq/wrtc), with a synthetic camera and microphone and sinks that decode what
 * it receives. Its transports' `connect` and `produce` events are answered directly by the
 * server-side mediasoup transports handed to {@link publish} and {@link subscribe}.
 *
 * The client lives in a Node process of its own (browser-process.ts), as a browser would:
 * @roamhq/wrtc 0.10 crashes Node on a natural exit once a media source has existed, which inside
 * Jest turns a passing run into exit code 139.
 */
export class BrowserClient {
  readonly #transports = new Map<string, ms.WebRtcTransport>();
  readonly #producers = new Map<string, ms.Producer>();
  readonly #output: () => string;
  #rpc!: IpcRpc<BrowserMethods, SignallingMethods>;
  #rtpCapabilities: ms.RtpCapabilities | undefined;

  private constructor(
    readonly name: string,
    private readonly child: ChildProcess,
  ) {
    this.#output = tailOutput(child);
  }

  static async launch(name: string, timeoutMs = 15_000): Promise<BrowserClient> {
    const child = fork(join(__dirname, 'run-ts.js'), [join(__dirname, 'browser-process.ts')], {
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
          browser.#transport(transportId).connect({ dtlsParameters }),
        produce: async ({ transportId, kind, rtpParameters }) => {
          const producer = await browser.#transport(transportId).produce({
            kind,
            rtpParameters: rtpParameters as ms.RtpParameters, // see SAME_JSON
          });
          browser.#producers.set(producer.id, producer);
          return { id: producer.id };
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
  async load(routerRtpCapabilities: ms.RtpCapabilities): Promise<void> {
    const capabilities = await this.#rpc.request('load', { routerRtpCapabilities });
    this.#rtpCapabilities = capabilities as ms.RtpCapabilities; // see SAME_JSON
  }

  /** Opens a send transport to `transport` and produces the camera and the microphone on it. */
  async publish(transport: ms.WebRtcTransport, media = DEFAULT_MEDIA): Promise<ms.Producer[]> {
    this.#transports.set(transport.id, transport);
    const { producerIds } = await this.#rpc.request('publish', {
      transport: clientSide(transport),
      media,
    });
    return producerIds.map((id) => this.#producers.get(id) as ms.Producer);
  }

  /**
   * Consumes `producers` through `transport` the way mediasoup recommends: server-side consumers
   * start paused, the client consumes them, then the server resumes them (so the first key frame
   * reaches a receiver that is ready for it).
   */
  async subscribe(transport: ms.WebRtcTransport, producers: ms.Producer[]): Promise<ms.Consumer[]> {
    if (!this.#rtpCapabilities) throw new Error(`${this.name} must load() before subscribing`);
    this.#transports.set(transport.id, transport);
    const consumers: ms.Consumer[] = [];
    for (const producer of producers) {
      consumers.push(
        await transport.consume({
          producerId: producer.id,
          rtpCapabilities: this.#rtpCapabilities,
          paused: true,
        }),
      );
    }
    await this.#rpc.request('subscribe', {
      transport: clientSide(transport),
      consumers: consumers.map(({ id, producerId, kind, rtpParameters }) => ({
        id,
        producerId,
        kind,
        rtpParameters,
      })),
    });
    for (const consumer of consumers) await consumer.resume();
    return consumers;
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

  #transport(id: string): ms.WebRtcTransport {
    const transport = this.#transports.get(id);
    if (!transport) throw new Error(`${this.name} used an unknown transport ${id}`);
    return transport;
  }

  #failure(what: string): Error {
    return new Error(`browser ${this.name} ${what}\n${this.#output()}`);
  }
}

function clientSide(transport: ms.WebRtcTransport) {
  const { id, iceParameters, iceCandidates, dtlsParameters } = transport;
  return { id, iceParameters, iceCandidates, dtlsParameters };
}
