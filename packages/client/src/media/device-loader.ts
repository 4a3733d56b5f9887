import type { JoinResult } from '@cascade/contracts';
import { Device, type types as client } from 'mediasoup-client';

import type { CascadeLogger } from '../logger';
import type { Timings } from '../timing';
import type { HandlerName } from '../types';

export interface DeviceLoaderOptions {
  handlerName: HandlerName | undefined;
  /** How Devices are made (tests pass a fake); mediasoup-client's factory otherwise. */
  deviceFactory?: (handlerName: HandlerName | undefined) => Device | Promise<Device>;
  timings: Timings;
  logger: CascadeLogger;
}

/**
 * The client's mediasoup-client Device: loaded for a room's RTP capabilities, once per distinct
 * capabilities (a join that finds the Device its pre-join loaded for the same capabilities keeps
 * it), one load at a time. The pre-join may `prepare` it from the capabilities the gateway
 * expects, best effort, while the user is still deciding.
 */
export class DeviceLoader {
  #device: Device | undefined;
  #key: string | undefined;
  #loading: { promise: Promise<void> } | undefined;
  #preparing: Promise<void> | undefined;

  constructor(private readonly options: DeviceLoaderOptions) {}

  /** The loaded Device, if any. */
  get device(): Device | undefined {
    return this.#device;
  }

  /** True while a load runs (a Device about to change is not one to make media with). */
  get loading(): boolean {
    return this.#loading !== undefined;
  }

  /** Resolves once the pre-join's preparation (if one runs) is over, whatever its outcome. */
  async prepared(): Promise<void> {
    await this.#preparing;
  }

  /** Loads a Device for the room's capabilities; true if it is a new one (old media unusable). */
  async load(capabilities: JoinResult['rtpCapabilities']): Promise<boolean> {
    const key = JSON.stringify(capabilities);
    // One load at a time: the join waits for the one the pre-join started, if it is the same.
    while (this.#loading) {
      const loading = this.#loading;
      await loading.promise.catch(() => undefined);
      if (this.#loading === loading) this.#loading = undefined;
    }
    if (this.#device && this.#key === key) return false;
    const promise = this.#newDevice(capabilities, key);
    this.#loading = { promise };
    try {
      await promise;
    } finally {
      this.#loading = undefined;
    }
    return true;
  }

  /**
   * Before joining: loads the Device with the capabilities `fetch` answers, unless one is loaded
   * or loading, or `skip()` says it is too late. Best effort: a failure leaves it to the join.
   */
  prepare(fetch: () => Promise<JoinResult['rtpCapabilities']>, skip: () => boolean): Promise<void> {
    this.#preparing ??= this.#prepareOnce(fetch, skip).finally(() => (this.#preparing = undefined));
    return this.#preparing;
  }

  async #prepareOnce(
    fetch: () => Promise<JoinResult['rtpCapabilities']>,
    skip: () => boolean,
  ): Promise<void> {
    if (this.#device || this.#loading || skip()) return;
    try {
      const capabilities = await fetch();
      if (!skip()) await this.load(capabilities);
    } catch (error) {
      this.options.logger.debug('no media capabilities to prepare with', { error: String(error) });
    }
  }

  async #newDevice(capabilities: JoinResult['rtpCapabilities'], key: string): Promise<void> {
    const { handlerName, deviceFactory, timings } = this.options;
    const loading = timings.now();
    const device = deviceFactory
      ? await deviceFactory(handlerName)
      : await Device.factory(handlerName ? { handlerName } : {});
    await device.load({
      routerRtpCapabilities: capabilities as client.RtpCapabilities, // see SAME_WIRE
    });
    timings.record('device.load', loading);
    this.#device = device;
    this.#key = key;
  }
}
