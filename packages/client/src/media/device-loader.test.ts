import type { Device } from 'mediasoup-client';

import { silentLogger } from '../logger';
import { Timings } from '../timing';
import { DeviceLoader } from './device-loader';

/** A loader whose Devices record the capabilities they were loaded with. */
function loader(options: { failLoad?: boolean } = {}) {
  const loaded: string[] = [];
  const steps: string[] = [];
  const devices = new DeviceLoader({
    handlerName: undefined,
    deviceFactory: () =>
      ({
        load: async ({ routerRtpCapabilities }: { routerRtpCapabilities: { id: string } }) => {
          await new Promise((resolve) => setImmediate(resolve));
          if (options.failLoad) throw new Error('no WebRTC here');
          loaded.push(routerRtpCapabilities.id);
        },
      }) as unknown as Device,
    timings: new Timings((entry) => steps.push(entry.step)),
    logger: silentLogger,
  });
  return { devices, loaded, steps };
}

const caps = (id: string) => ({ id, codecs: [] }) as never;

describe('DeviceLoader', () => {
  it('loads a Device once per distinct capabilities, and says when it is a new one', async () => {
    const { devices, loaded, steps } = loader();
    expect(await devices.load(caps('a'))).toBe(true);
    expect(await devices.load(caps('a'))).toBe(false);
    expect(await devices.load(caps('b'))).toBe(true);
    expect(loaded).toEqual(['a', 'b']);
    expect(steps).toEqual(['device.load', 'device.load']);
  });

  it('loads one at a time: a second load of the same capabilities waits and keeps the first', async () => {
    const { devices, loaded } = loader();
    const first = devices.load(caps('a'));
    expect(devices.loading).toBe(true);
    const second = devices.load(caps('a'));
    expect(await Promise.all([first, second])).toEqual([true, false]);
    expect(loaded).toEqual(['a']);
    expect(devices.loading).toBe(false);
  });

  it('prepares a Device before joining, once, unless it is too late', async () => {
    const { devices, loaded } = loader();
    let fetched = 0;
    const fetch = async () => (fetched++, caps('a'));
    await Promise.all([devices.prepare(fetch, () => false), devices.prepare(fetch, () => false)]);
    expect(fetched).toBe(1);
    expect(loaded).toEqual(['a']);
    await devices.prepare(fetch, () => false); // loaded already: nothing to do
    expect(fetched).toBe(1);

    const late = loader();
    await late.devices.prepare(fetch, () => true);
    expect(late.loaded).toEqual([]);
  });

  it('leaves a failed preparation to the join, and a failed load to its caller', async () => {
    const { devices } = loader({ failLoad: true });
    await expect(
      devices.prepare(
        async () => caps('a'),
        () => false,
      ),
    ).resolves.toBeUndefined();
    await devices.prepared();
    expect(devices.device).toBeUndefined();
    await expect(devices.load(caps('a'))).rejects.toThrow('no WebRTC here');
    expect(devices.loading).toBe(false);
  });
});
