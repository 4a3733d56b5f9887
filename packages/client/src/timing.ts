/**
 * How long each step of joining and of receiving took, as `timing` events: where a slow join
 * spends its time (the socket, placement, the transports, ICE and DTLS, each consumer, the first
 * packet). Times are `performance.now()` milliseconds, so that a page can put them beside its
 * own marks (`performance.measure`).
 */
export type TimingStep =
  /** The signaling socket: connect and handshake (token checked). */
  | 'signaling.connect'
  /** `room.join`: placement on a node, the session stored, the room read. */
  | 'room.join'
  /** The mediasoup-client Device loaded with the room's capabilities. */
  | 'device.load'
  /** A transport created on the node (`detail`: send or recv). */
  | 'transport.create'
  /** Its DTLS parameters handed to the node (`detail`: send or recv). */
  | 'transport.connect'
  /** From handing the parameters over to ICE and DTLS connected (`detail`: send or recv). */
  | 'transport.connected'
  /** A producer created on the node (`detail`: its source). */
  | 'producer.create'
  /** A consumer created on the node, across a pipe if needed (`detail`: its kind). */
  | 'consumer.create'
  /** The consumer set up in the browser (SDP) and resumed on the node (`detail`: its kind). */
  | 'consumer.resume'
  /** From asking to resume to the consumer's first packet (`detail`: its kind; browsers only). */
  | 'consumer.firstPacket';

export interface TimingEntry {
  step: TimingStep;
  /** When it started (`performance.now()`). */
  startTime: number;
  /** How long it took (ms). */
  duration: number;
  detail?: string;
}

export type TimingSink = (entry: TimingEntry) => void;

const clock = (): number => globalThis.performance.now();

/** Times steps and hands each one, once finished, to a sink. */
export class Timings {
  constructor(private readonly sink: TimingSink) {}

  now(): number {
    return clock();
  }

  /** Runs `task`, timing it when it succeeds. */
  async span<T>(step: TimingStep, detail: string | undefined, task: () => Promise<T>): Promise<T> {
    const startTime = clock();
    const result = await task();
    this.record(step, startTime, detail);
    return result;
  }

  /** A step that started at `startTime` ends now. */
  record(step: TimingStep, startTime: number, detail?: string): void {
    try {
      this.sink({
        step,
        startTime,
        duration: clock() - startTime,
        ...(detail === undefined ? {} : { detail }),
      });
    } catch {
      // A listener's failure is not the join's.
    }
  }
}
