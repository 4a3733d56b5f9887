import { EventEmitter } from 'node:events';

import { type WatchedConsumer, watchKeyFrames } from './keyframe-watch';

/** A consumer whose sent-packet count the test sets; timers run when the test says. */
function fake(kind: 'audio' | 'video' = 'video', type: 'simple' | 'svc' | 'pipe' = 'simple') {
  const observer = new EventEmitter();
  const state = {
    closed: false,
    paused: false,
    producerPaused: false,
    sent: 0,
    requests: 0,
    calls: [] as string[],
  };
  const consumer: WatchedConsumer = {
    id: 'c1',
    kind,
    type,
    get closed() {
      return state.closed;
    },
    get paused() {
      return state.paused;
    },
    get producerPaused() {
      return state.producerPaused;
    },
    requestKeyFrame: async () => {
      state.requests++;
    },
    pause: async () => {
      state.calls.push('pause');
      const was = state.paused;
      state.paused = true;
      if (!was) observer.emit('pause');
    },
    resume: async () => {
      state.calls.push('resume');
      const was = state.paused;
      state.paused = false;
      if (was) observer.emit('resume');
    },
    getStats: async () => [
      { type: 'outbound-rtp', packetCount: state.sent },
      { type: 'inbound-rtp', packetCount: 999 },
    ],
    observer,
  };
  const timers: Array<{ fn: () => void; ms: number; cleared: boolean }> = [];
  const options = {
    checksMs: [1_000, 2_000],
    setTimer: (fn: () => void, ms: number) => {
      const t = { fn, ms, cleared: false };
      timers.push(t);
      return t;
    },
    clearTimer: (t: unknown) => {
      (t as { cleared: boolean }).cleared = true;
    },
  };
  /** Fires the pending timers due at `ms` and lets their async checks finish. */
  const fire = async (ms: number) => {
    for (const t of timers.filter((x) => x.ms === ms && !x.cleared)) {
      t.cleared = true;
      t.fn();
    }
    for (let i = 0; i < 10; i++) await Promise.resolve();
  };
  return { consumer, observer, state, timers, options, fire };
}

describe('watchKeyFrames', () => {
  it('asks again for a key frame at each check while a forwarding video consumer has sent nothing', async () => {
    const f = fake();
    const requested: string[] = [];
    watchKeyFrames(f.consumer, { ...f.options, onRequest: (id) => requested.push(id) });
    await f.fire(1_000);
    expect(f.state.requests).toBe(1);
    await f.fire(2_000);
    expect(f.state.requests).toBe(2);
    expect(requested).toEqual(['c1', 'c1']);
  });

  it('stops once packets flow', async () => {
    const f = fake();
    watchKeyFrames(f.consumer, f.options);
    f.state.sent = 5;
    await f.fire(1_000);
    await f.fire(2_000);
    expect(f.state.requests).toBe(0);
  });

  it('counts from the packets sent before the resume: a consumer silent since its resume is asked for', async () => {
    const f = fake();
    f.state.paused = true;
    f.state.sent = 40;
    watchKeyFrames(f.consumer, f.options);
    expect(f.timers).toHaveLength(0); // paused: nothing to watch
    f.state.paused = false;
    f.observer.emit('resume');
    await f.fire(1_000);
    expect(f.state.requests).toBe(1);
  });

  it('does nothing for a paused, producer-paused or closed consumer, or for audio', async () => {
    const f = fake();
    watchKeyFrames(f.consumer, f.options);
    f.state.producerPaused = true;
    await f.fire(1_000);
    f.state.producerPaused = false;
    f.state.closed = true;
    await f.fire(2_000);
    expect(f.state.requests).toBe(0);

    const a = fake('audio');
    watchKeyFrames(a.consumer, a.options);
    expect(a.timers).toHaveLength(0);
  });

  it('a pause cancels the pending checks', async () => {
    const f = fake();
    watchKeyFrames(f.consumer, f.options);
    f.observer.emit('pause');
    expect(f.timers.every((t) => t.cleared)).toBe(true);
    await f.fire(1_000);
    expect(f.state.requests).toBe(0);
  });

  it('makes a silent layered consumer choose its layers again (a pause and a resume), within its checks', async () => {
    const f = fake('video', 'svc');
    watchKeyFrames(f.consumer, f.options);
    await f.fire(1_000);
    expect(f.state.calls).toEqual(['pause', 'resume']);
    expect(f.state.paused).toBe(false);
    // Its own pause and resume start no new round of checks: one more check is left.
    expect(f.timers.filter((t) => !t.cleared).map((t) => t.ms)).toEqual([2_000]);
    f.state.sent = 3;
    await f.fire(2_000);
    expect(f.state.calls).toEqual(['pause', 'resume']);
  });

  it('leaves a layered consumer paused when it is no longer wanted after the pause', async () => {
    const f = fake('video', 'svc');
    watchKeyFrames(f.consumer, { ...f.options, wanted: () => false });
    await f.fire(1_000);
    expect(f.state.calls).toEqual(['pause']);
    expect(f.state.paused).toBe(true);
  });

  it('asks a pipe consumer for a key frame (it has no layers)', async () => {
    const f = fake('video', 'pipe');
    watchKeyFrames(f.consumer, f.options);
    await f.fire(1_000);
    expect(f.state.requests).toBe(1);
    expect(f.state.calls).toEqual([]);
  });
});
