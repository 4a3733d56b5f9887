import { type EncodingParameters, type EncodingSender, PublishedLayers } from './published-layers';

/** An RTCRtpSender with three simulcast encodings, lowest first; it records what was set. */
class FakeSender implements EncodingSender {
  encodings: EncodingParameters['encodings'] = [{ rid: 'r0' }, { rid: 'r1' }, { rid: 'r2' }];
  sets = 0;

  getParameters(): EncodingParameters {
    return { encodings: this.encodings.map((e) => ({ ...e })) };
  }

  async setParameters(parameters: EncodingParameters): Promise<void> {
    await Promise.resolve();
    this.sets += 1;
    this.encodings = parameters.encodings.map((e) => ({ ...e }));
  }

  active(): boolean[] {
    return this.encodings.map((e) => e.active ?? true);
  }
}

describe('PublishedLayers', () => {
  it('turns the encodings above the wanted layer off, and back on when a higher one is wanted', async () => {
    const layers = new PublishedLayers();
    const sender = new FakeSender();
    await layers.limit(sender, 0);
    expect(sender.active()).toEqual([true, false, false]);
    await layers.limit(sender, 2);
    expect(sender.active()).toEqual([true, true, true]);
    await layers.limit(sender, 1);
    expect(sender.active()).toEqual([true, true, false]);
  });

  it('turns every encoding off when nobody wants any layer', async () => {
    const layers = new PublishedLayers();
    const sender = new FakeSender();
    await layers.limit(sender, null);
    expect(sender.active()).toEqual([false, false, false]);
    await layers.limit(sender, 0);
    expect(sender.active()).toEqual([true, false, false]);
  });

  it('clamps a layer past the top to every encoding, and sets nothing when nothing changes', async () => {
    const layers = new PublishedLayers();
    const sender = new FakeSender();
    await layers.limit(sender, 2);
    expect(sender.sets).toBe(0);
    sender.encodings = sender.encodings.slice(0, 2);
    await layers.limit(sender, 2);
    expect(sender.active()).toEqual([true, true]);
    expect(sender.sets).toBe(0);
  });

  it('ends as the last of a burst of changes says', async () => {
    const layers = new PublishedLayers();
    const sender = new FakeSender();
    const burst = [layers.limit(sender, 0), layers.limit(sender, null), layers.limit(sender, 1)];
    await Promise.all(burst);
    expect(sender.active()).toEqual([true, true, false]);
  });
});
