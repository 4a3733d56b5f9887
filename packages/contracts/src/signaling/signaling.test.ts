import { ERROR_CODES } from '../errors';
import {
  SIGNALING_METHODS,
  SignalingEvents,
  SignalingHandshake,
  SignalingRequests,
  isSignalingMethod,
} from './index';

const uuid = '0b7c2d4e-1f3a-4b5c-8d9e-0f1a2b3c4d5e';

describe('signaling protocol', () => {
  it('requires a join token or a resume token at the handshake, and nothing unknown', () => {
    expect(SignalingHandshake.safeParse({ protocolVersion: 1, token: 'a.b.c' }).success).toBe(true);
    expect(
      SignalingHandshake.safeParse({ protocolVersion: 1, resumeToken: 'r'.repeat(32) }).success,
    ).toBe(true);
    expect(SignalingHandshake.safeParse({ protocolVersion: 1 }).success).toBe(false);
    expect(SignalingHandshake.safeParse({ token: 'a.b.c' }).success).toBe(false);
    expect(
      SignalingHandshake.safeParse({ protocolVersion: 1, token: 'a.b.c', tenant: 'x' }).success,
    ).toBe(false);
  });

  it('opens a user connection with an access token alone, never with a join token beside it', () => {
    expect(SignalingHandshake.safeParse({ protocolVersion: 1, accessToken: 'a.b.c' }).success).toBe(
      true,
    );
    expect(
      SignalingHandshake.safeParse({ protocolVersion: 1, accessToken: 'a.b.c', token: 'd.e.f' })
        .success,
    ).toBe(false);
    expect(SignalingHandshake.safeParse({ protocolVersion: 1 }).success).toBe(false);
    // `user.ping` is the one request any socket may send: it needs no grant.
    expect(SignalingRequests['user.ping'].grant).toBe('none');
  });

  it('names every method once, each with a grant, and recognises only those names', () => {
    expect(new Set(SIGNALING_METHODS).size).toBe(SIGNALING_METHODS.length);
    for (const method of SIGNALING_METHODS) {
      expect(['none', 'join', 'publish', 'subscribe', 'admin']).toContain(
        SignalingRequests[method].grant,
      );
      expect(isSignalingMethod(method)).toBe(true);
    }
    for (const name of ['toString', '__proto__', 'constructor', 'room.JOIN', '', 42, null])
      expect(isSignalingMethod(name)).toBe(false);
  });

  it('puts publishing behind the publish grant; moderation is checked by the gateway (admin grant or room role)', () => {
    expect(SignalingRequests['producer.create'].grant).toBe('publish');
    expect(SignalingRequests['consumer.create'].grant).toBe('subscribe');
    for (const method of ['participant.remove', 'participant.mute', 'participant.ban'] as const)
      expect(SignalingRequests[method].grant).toBe('join');
  });

  it('mutes a microphone or a camera only, named by participant and source', () => {
    const mute = SignalingRequests['participant.mute'].request;
    expect(mute.safeParse({ participantId: 'p_1', source: 'microphone' }).success).toBe(true);
    expect(mute.safeParse({ participantId: 'p_1', source: 'camera' }).success).toBe(true);
    expect(mute.safeParse({ participantId: 'p_1', source: 'screen' }).success).toBe(false);
    expect(mute.safeParse({ participantId: 'p_1' }).success).toBe(false);
    expect(
      mute.safeParse({ participantId: 'p_1', source: 'microphone', producerId: uuid }).success,
    ).toBe(false);
    const told = SignalingEvents['producer.mutedByModerator'];
    expect(told.safeParse({ producerId: uuid, source: 'microphone', by: 'p_2' }).success).toBe(
      true,
    );
  });

  it('refuses unknown fields and a tenant or room named by the client', () => {
    const join = SignalingRequests['room.join'].request;
    expect(join.safeParse({}).success).toBe(true);
    expect(join.safeParse({ tenantId: 'other' }).success).toBe(false);
    const pause = SignalingRequests['producer.pause'].request;
    expect(pause.safeParse({ producerId: uuid }).success).toBe(true);
    expect(pause.safeParse({ producerId: uuid, roomId: 'r' }).success).toBe(false);
    expect(pause.safeParse({ producerId: 'not-a-uuid' }).success).toBe(false);
  });

  it('bounds the media a join may make with it', () => {
    const join = SignalingRequests['room.join'].request;
    const rtpCapabilities = { codecs: [], headerExtensions: [] };
    const ok = (media: unknown) => join.safeParse({ media }).success;
    expect(ok({ transports: ['recv', 'send'] })).toBe(true);
    expect(
      ok({ transports: ['recv'], consume: { rtpCapabilities, audio: true, videos: 25 } }),
    ).toBe(true);
    expect(ok({ transports: [] })).toBe(false);
    expect(ok({ transports: ['recv', 'recv'] })).toBe(false);
    expect(ok({ transports: ['send'], consume: { rtpCapabilities, audio: true, videos: 1 } })).toBe(
      false,
    );
    expect(
      ok({ transports: ['recv'], consume: { rtpCapabilities, audio: true, videos: 26 } }),
    ).toBe(false);
    expect(
      ok({ transports: ['recv'], consume: { rtpCapabilities, audio: true, videos: -1 } }),
    ).toBe(false);
    expect(ok({ transports: ['recv'], extra: 1 })).toBe(false);
  });

  it('bounds chat messages and trims them', () => {
    const chat = SignalingRequests['chat.send'].request;
    expect(chat.parse({ text: '  hi  ' })).toEqual({ text: 'hi' });
    expect(chat.safeParse({ text: '   ' }).success).toBe(false);
    expect(chat.safeParse({ text: 'x'.repeat(2_001) }).success).toBe(false);
  });

  it('defines the server events the issue lists', () => {
    expect(Object.keys(SignalingEvents)).toEqual(
      expect.arrayContaining([
        'participant.joined',
        'participant.left',
        'producer.added',
        'producer.closed',
        'producer.paused',
        'producer.resumed',
        'consumer.closed',
        'speaker.active',
        'chat.message',
        'session.reconnectRequired',
        'session.removed',
      ]),
    );
    expect(ERROR_CODES).toContain('RATE_LIMITED');
  });

  it('tells a publisher the highest layer anyone wants of a producer (dynacast), or none', () => {
    const layers = SignalingEvents['producer.layers'];
    expect(layers.safeParse({ producerId: uuid, maxSpatialLayer: 0 }).success).toBe(true);
    expect(layers.safeParse({ producerId: uuid, maxSpatialLayer: null }).success).toBe(true);
    expect(layers.safeParse({ producerId: uuid, maxSpatialLayer: 3 }).success).toBe(false);
    expect(layers.safeParse({ producerId: uuid }).success).toBe(false);
  });
});
