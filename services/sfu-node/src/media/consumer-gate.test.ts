import {
  type GatedConsumer,
  applyViewStates,
  gateDump,
  setClientPaused,
  setViewState,
} from './consumer-gate';

/** A consumer that records what was asked of it, paused like a new one unless told. */
function fakeConsumer(
  options: { paused?: boolean; kind?: 'audio' | 'video'; type?: GatedConsumer['type'] } = {},
) {
  const calls: string[] = [];
  const consumer = {
    id: `c${Math.random()}`,
    kind: options.kind ?? 'video',
    type: options.type ?? 'simulcast',
    paused: options.paused ?? true,
    pause: async () => {
      calls.push('pause');
      consumer.paused = true;
    },
    resume: async () => {
      calls.push('resume');
      consumer.paused = false;
    },
    setPreferredLayers: async (layers: { spatialLayer: number }) => {
      calls.push(`layers ${layers.spatialLayer}`);
    },
  };
  return { consumer: consumer as GatedConsumer & { paused: boolean }, calls };
}

describe('consumer gate: the client and the view each pause for their own reason', () => {
  it('flows only once the client resumed and the view does not hold it', async () => {
    const { consumer, calls } = fakeConsumer();
    await setViewState(consumer, { paused: true });
    expect(consumer.paused).toBe(true);
    await setClientPaused(consumer, false); // the client is ready: the view still holds it
    expect(consumer.paused).toBe(true);
    expect(calls).toEqual([]);
    await setViewState(consumer, { paused: false });
    expect(consumer.paused).toBe(false);
    expect(calls).toEqual(['resume']);
  });

  it('a view resume leaves a consumer the client paused paused, and the other way round', async () => {
    const { consumer, calls } = fakeConsumer({ paused: false });
    await setClientPaused(consumer, true);
    await setViewState(consumer, { paused: false });
    expect(consumer.paused).toBe(true);
    await setViewState(consumer, { paused: true });
    await setClientPaused(consumer, false);
    expect(consumer.paused).toBe(true);
    expect(calls).toEqual(['pause']);
    expect(gateDump(consumer)).toEqual({ viewPaused: true });
  });

  it('sets the preferred layer once per change, and only on a layered stream', async () => {
    const { consumer, calls } = fakeConsumer({ paused: false });
    await setViewState(consumer, { paused: false, spatialLayer: 1 });
    await setViewState(consumer, { paused: false, spatialLayer: 1 });
    await setViewState(consumer, { paused: false, spatialLayer: 0 });
    expect(calls).toEqual(['layers 1', 'layers 0']);
    expect(gateDump(consumer)).toEqual({ viewPaused: false, preferredSpatialLayer: 0 });

    const simple = fakeConsumer({ paused: false, type: 'simple' });
    await setViewState(simple.consumer, { paused: false, spatialLayer: 2 });
    expect(simple.calls).toEqual([]);
  });

  it('applies a batch to what exists (audio takes the pause only); gone ones are answered missing', async () => {
    const video = fakeConsumer({ paused: false });
    const audio = fakeConsumer({ paused: false, kind: 'audio', type: 'simple' });
    const consumers = new Map([
      ['v', video.consumer],
      ['a', audio.consumer],
    ]);
    const result = await applyViewStates(consumers, [
      { consumerId: 'v', paused: true, spatialLayer: 2 },
      { consumerId: 'a', paused: true },
      { consumerId: 'gone', paused: false },
    ]);
    expect(result).toEqual({ missing: ['gone'] });
    expect(video.calls).toEqual(['layers 2', 'pause']);
    expect(audio.calls).toEqual(['pause']);
    expect(gateDump(audio.consumer)).toEqual({ viewPaused: true });
    await applyViewStates(consumers, [{ consumerId: 'a', paused: false, spatialLayer: 1 }]);
    expect(audio.calls).toEqual(['pause', 'resume']);
    expect(gateDump(audio.consumer)).toEqual({ viewPaused: false });
  });

  it('an ungated consumer dumps as not view-paused', () => {
    expect(gateDump(fakeConsumer().consumer)).toEqual({ viewPaused: false });
  });
});
