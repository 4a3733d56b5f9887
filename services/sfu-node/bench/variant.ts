import type { VideoStream } from './ffmpeg-srtp';
import { type MeasuredProcess, type UdpSinks, withTimeout } from './measure';

/**
 * What every variant of the fan-out benchmark does: ingest one SRTP VP8 stream on a comedia
 * PlainTransport and fan it out to `consumers` SRTP PlainTransports that send to `sinks`.
 */
export interface FanoutSpec {
  consumers: number;
  stream: VideoStream;
  sinks: UdpSinks;
  /** Everything the variant starts or opens is registered here, so it is undone even on error. */
  disposer: Disposer;
}

export interface FanoutSetup {
  /** Where ffmpeg sends the stream. */
  ingest: { ip: string; port: number };
  /**
   * What to measure. Roles: "worker" (the worker that sends to the consumers), "node" (its
   * sfu-node process), "pipe-worker" and "pipe-node" (the ingest side of a pipe).
   */
  processes: MeasuredProcess[];
  /** RTP packets the consumers have sent so far, from their stats (bare mediasoup only). */
  consumerPacketCount?: () => Promise<number>;
}

export interface Variant {
  key: 'a' | 'b' | 'c' | 'p';
  label: string;
  setup(spec: FanoutSpec): Promise<FanoutSetup>;
}

/** Undo steps run in reverse order, each bounded in time; failures are reported, not thrown. */
export class Disposer {
  readonly #steps: Array<{ what: string; undo: () => unknown }> = [];

  defer(what: string, undo: () => unknown): void {
    this.#steps.push({ what, undo });
  }

  async dispose(stepTimeoutMs = 10_000): Promise<void> {
    while (this.#steps.length > 0) {
      const { what, undo } = this.#steps.pop()!;
      try {
        await withTimeout(`cleanup: ${what}`, stepTimeoutMs, Promise.resolve().then(undo));
      } catch (error) {
        console.error(`bench: ${(error as Error).message}`);
      }
    }
  }
}

export const range = (n: number): number[] => Array.from({ length: n }, (_, i) => i);
