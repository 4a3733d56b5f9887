import { JOIN_CONSUME_MAX } from '@cascade/contracts';
import type { Device } from 'mediasoup-client';

import { joinRequest, joinTimeout } from './join-request';

const device = { recvRtpCapabilities: { codecs: [], headerExtensions: [] } } as unknown as Device;

describe('joinRequest', () => {
  it('asks for no media without a ready Device', () => {
    expect(
      joinRequest({
        displayName: 'Ada',
        device: undefined,
        subscribe: undefined,
        autoSubscribe: true,
      }),
    ).toEqual({ displayName: 'Ada' });
  });

  it('with a Device and autoSubscribe, makes both transports and consumes audio and the most videos', () => {
    const request = joinRequest({
      region: 'eu',
      device,
      subscribe: undefined,
      autoSubscribe: true,
    });
    expect(request).toEqual({
      region: 'eu',
      media: {
        transports: ['recv', 'send'],
        consume: {
          rtpCapabilities: device.recvRtpCapabilities,
          audio: true,
          videos: JOIN_CONSUME_MAX,
        },
      },
    });
  });

  it('consumes what the application asks, bounded to whole videos within the cap', () => {
    const consume = (videos: number) =>
      joinRequest({ device, subscribe: { audio: false, videos }, autoSubscribe: false }).media
        ?.consume;
    expect(consume(2.7)?.videos).toBe(2);
    expect(consume(JOIN_CONSUME_MAX + 10)?.videos).toBe(JOIN_CONSUME_MAX);
    expect(consume(0)).toBeUndefined();
  });

  it('makes transports but consumes nothing without autoSubscribe nor a wish', () => {
    expect(joinRequest({ device, subscribe: undefined, autoSubscribe: false })).toEqual({
      media: { transports: ['recv', 'send'] },
    });
  });

  it('gives a join that makes media twice the request timeout', () => {
    expect(joinTimeout({ media: { transports: ['recv', 'send'] } }, 10_000)).toEqual({
      timeoutMs: 20_000,
    });
    expect(joinTimeout({}, 10_000)).toEqual({});
  });
});
