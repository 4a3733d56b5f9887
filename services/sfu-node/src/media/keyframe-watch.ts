import type { types as ms } from 'mediasoup';

/** The part of a mediasoup video consumer the watch reads and drives (tests pass a fake). */
export interface WatchedConsumer {
  readonly id: string;
  readonly kind: ms.MediaKind;
  readonly type: ms.ConsumerType;
  readonly closed: boolean;
  readonly paused: boolean;
  readonly producerPaused: boolean;
  requestKeyFrame(): Promise<void>;
  pause(): Promise<void>;
  resume(): Promise<void>;
  /** mediasoup's consumer stats; the watch reads the `outbound-rtp` entries' `packetCount`. */
  getStats(): Promise<ReadonlyArray<{ type: string; packetCount?: number }>>;
  readonly observer: {
    on(event: 'resume' | 'pause' | 'close', listener: () => void): unknown;
  };
}

export interface KeyFrameWatchOptions {
  /**
   * When to look again after the consumer starts (or resumes) forwarding, each counted from the
   * start: if it has sent no packet yet by then, a key frame is asked for. Default 1, 2, 4, 8
   * and 15 s (a pipe consumer may wait for its transport to connect).
   */
  checksMs?: readonly number[];
  /** Told of each key frame the watch asks for (metrics). */
  onRequest?: (consumerId: string) => void;
  /**
   * Whether the consumer should still forward once paused for a moment (its client and its
   * view still want it): a layered consumer is nudged by a pause and a resume, and is left
   * paused if someone paused it meanwhile. Default: yes.
   */
  wanted?: () => boolean;
  setTimer?: (fn: () => void, ms: number) => unknown;
  clearTimer?: (timer: unknown) => void;
}

const DEFAULT_CHECKS_MS = [1_000, 2_000, 4_000, 8_000, 15_000];

/**
 * Asks again for a key frame (or, for a layered consumer, for its layers to be chosen again) while
 * a video consumer that should be forwarding has sent nothing.
 *
 * A video consumer forwards nothing until it has a key frame, and it asks its producer for one
 * when it is resumed. That one request can go nowhere: the producer (or, across nodes, the pipe
 * producer) may not have received the stream yet, and mediasoup drops a request for a stream it
 * does not know ("given mappedSsrc not found, ignoring"); a PLI can be lost on the way to the
 * publisher too. The receiver never asks either, since it got no packet to find broken, and the
 * publisher's encoder sends key frames only when asked: the tile stays black for good. Measured
 * with mediasoup 3.32 in the four-participant end-to-end test: 5 of 6 runs had a receiver whose
 * video consumer sent nothing for the whole 30 s (issue 17), its producer's other consumers
 * forwarding. LiveKit's subscriber does the same (it re-sends PLI until a key frame arrives).
 *
 * Cost: one stats request per check (at most five per start) and one PLI (or pause and resume)
 * per check that finds the consumer silent; nothing once packets flow.
 */
export function watchKeyFrames(
  consumer: WatchedConsumer,
  options: KeyFrameWatchOptions = {},
): void {
  if (consumer.kind !== 'video') return;
  const checks = options.checksMs ?? DEFAULT_CHECKS_MS;
  const setTimer =
    options.setTimer ??
    ((fn: () => void, ms: number) => {
      const t = setTimeout(fn, ms);
      t.unref?.();
      return t;
    });
  const clearTimer = options.clearTimer ?? ((t: unknown) => clearTimeout(t as NodeJS.Timeout));
  let timers: unknown[] = [];
  /** Which watch is current: a pause or a new resume makes older checks moot. */
  let generation = 0;

  const stop = (): void => {
    generation++;
    for (const t of timers) clearTimer(t);
    timers = [];
  };

  const forwarding = (): boolean =>
    !consumer.closed && !consumer.paused && !consumer.producerPaused;

  const sent = async (): Promise<number | undefined> => {
    try {
      const stats = await consumer.getStats();
      return stats.reduce((n, s) => n + (s.type === 'outbound-rtp' ? (s.packetCount ?? 0) : 0), 0);
    } catch {
      return undefined; // Closed meanwhile: the next check (if any) sees it.
    }
  };

  /** Set while the watch pauses and resumes the consumer itself (its own events are no news). */
  let nudging = false;
  /**
   * A simulcast or SVC consumer that started while its producer's stream had no bitrate measured
   * yet picks no layer at all, and mediasoup (3.32) looks again only when the stream's score,
   * activity or the consumer's state changes: a key frame alone does not help. A pause and a
   * resume make it choose its layers again and ask for a key frame.
   */
  const nudge = async (): Promise<void> => {
    nudging = true;
    try {
      await consumer.pause();
      if (options.wanted?.() ?? true) await consumer.resume();
    } catch {
      // Closed meanwhile.
    } finally {
      nudging = false;
    }
  };

  const start = (): void => {
    stop();
    if (!forwarding()) return;
    const mine = generation;
    const baseline = sent();
    timers = checks.map((ms) =>
      setTimer(() => {
        void (async () => {
          const before = await baseline;
          if (mine !== generation || !forwarding()) return;
          const now = await sent();
          if (mine !== generation || !forwarding() || now === undefined) return;
          if (now > (before ?? 0)) {
            stop(); // Flowing: nothing more to do.
            return;
          }
          options.onRequest?.(consumer.id);
          if (consumer.type === 'simulcast' || consumer.type === 'svc') await nudge();
          else await consumer.requestKeyFrame().catch(() => undefined);
        })();
      }, ms),
    );
  };

  consumer.observer.on('resume', () => {
    if (!nudging) start();
  });
  consumer.observer.on('pause', () => {
    if (!nudging) stop();
  });
  consumer.observer.on('close', stop);
  start();
}
