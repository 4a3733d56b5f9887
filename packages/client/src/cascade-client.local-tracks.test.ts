import { tick, useFakeClients } from '../test/support/client-harness';
import { fakeTrack, until } from '../test/support/fake-gateway';
import type { MediaTrack } from './types';

const setup = useFakeClients();

/** A fake track that ends by itself, as the browser's "Stop sharing" ends a screen track. */
function endByItself(track: MediaTrack): void {
  (track as unknown as { remoteStop(): void }).remoteStop();
}

/**
 * `navigator.mediaDevices` for one test, handing out `tracks` as a browser would capture them;
 * `restore` puts the global back.
 */
function stubCapture(tracks: { video?: MediaTrack; audio?: MediaTrack }) {
  const stream = {
    getVideoTracks: () => (tracks.video ? [tracks.video] : []),
    getAudioTracks: () => (tracks.audio ? [tracks.audio] : []),
  };
  const original = Object.getOwnPropertyDescriptor(globalThis, 'navigator');
  Object.defineProperty(globalThis, 'navigator', {
    configurable: true,
    value: {
      mediaDevices: { getUserMedia: async () => stream, getDisplayMedia: async () => stream },
    },
  });
  return {
    restore: () => {
      if (original) Object.defineProperty(globalThis, 'navigator', original);
      else delete (globalThis as { navigator?: unknown }).navigator;
    },
  };
}

describe('CascadeClient local tracks', () => {
  describe('replaceTrack', () => {
    it('sends another track on the same producer, and says so', async () => {
      const { gateway, client, named } = setup();
      await client.join();
      const first = fakeTrack('video');
      const published = await client.publishCamera(first);
      const second = fakeTrack('video');

      const replaced = await client.replaceTrack('camera', second);

      expect(replaced).toMatchObject({ source: 'camera', producerId: published.producerId });
      expect(replaced.track).toBe(second);
      expect(client.room?.local.map((t) => [t.track, t.producerId])).toEqual([
        [second, published.producerId],
      ]);
      expect(gateway.requestsOf('producer.create')).toHaveLength(1);
      expect(gateway.requestsOf('producer.close')).toEqual([]);
      expect(named('localTrackReplaced').map((t) => t.track)).toEqual([second]);
      expect(first.readyState).toBe('live'); // the application's track is the application's
      expect(second.enabled).toBe(true);
    });

    it('keeps a muted source muted: the new track is disabled and the producer stays paused', async () => {
      const { gateway, client } = setup();
      await client.join();
      await client.publishMicrophone(fakeTrack('audio'));
      await client.mute('microphone');
      const next = fakeTrack('audio');

      await client.replaceTrack('microphone', next);

      expect(next.enabled).toBe(false);
      expect(client.room?.local[0]).toMatchObject({ muted: true, track: next });
      expect(gateway.methods().filter((m) => m === 'producer.resume')).toEqual([]);
      await client.unmute('microphone');
      expect(next.enabled).toBe(true);
    });

    it('stops the old track when the SDK captured it, and owns the new one only if told', async () => {
      const captured = fakeTrack('video');
      const capture = stubCapture({ video: captured });
      try {
        const { client } = setup();
        await client.join();
        await client.publishCamera(); // captured by the SDK
        const handedIn = fakeTrack('video');

        await client.replaceTrack('camera', handedIn);
        expect(captured.readyState).toBe('ended');

        const owned = fakeTrack('video');
        await client.replaceTrack('camera', owned, { owned: true });
        expect(handedIn.readyState).toBe('live'); // handed in: the application stops it
        await client.unpublish('camera');
        expect(owned.readyState).toBe('ended');
      } finally {
        capture.restore();
      }
    });

    it('takes the new track while the producer is still being made', async () => {
      const { client } = setup();
      await client.join();
      const publishing = client.publishCamera(fakeTrack('video'));
      const next = fakeTrack('video');
      const replaced = await client.replaceTrack('camera', next);
      await publishing;
      expect(replaced.track).toBe(next);
      expect(client.room?.local[0]?.track).toBe(next);
    });

    it('refuses a source with nothing published, a track of the wrong kind, and an ended track', async () => {
      const { client } = setup();
      await expect(client.replaceTrack('camera', fakeTrack('video'))).rejects.toMatchObject({
        name: 'CascadeError',
        code: 'CONFLICT',
      });
      await client.join();
      await expect(client.replaceTrack('screen', fakeTrack('video'))).rejects.toMatchObject({
        name: 'CascadeError',
        code: 'NOT_FOUND',
      });
      await client.publishCamera(fakeTrack('video'));
      await expect(client.replaceTrack('camera', fakeTrack('audio'))).rejects.toMatchObject({
        code: 'INVALID_ARGUMENT',
      });
      const ended = fakeTrack('video');
      ended.stop();
      await expect(client.replaceTrack('camera', ended)).rejects.toMatchObject({
        code: 'INVALID_ARGUMENT',
      });
    });
  });

  describe('a track that ends by itself', () => {
    it('is unpublished, and announced with the reason ended', async () => {
      const { gateway, client, named } = setup();
      await client.join();
      const screen = fakeTrack('video');
      const { producerId } = await client.publishScreen(screen);

      endByItself(screen);

      await until(() => named('trackUnpublished').length === 1, 'trackUnpublished');
      expect(named('trackUnpublished')).toEqual([
        { source: 'screen', kind: 'video', producerId, reason: 'ended' },
      ]);
      expect(client.room?.local).toEqual([]);
      await until(() => gateway.requestsOf('producer.close').length === 1, 'producer.close');
      expect(gateway.requestsOf('producer.close')[0]?.payload).toEqual({ producerId });
    });

    it("takes the screen's own audio with it when the SDK captured both", async () => {
      const video = fakeTrack('video');
      const audio = fakeTrack('audio');
      const capture = stubCapture({ video, audio });
      try {
        const { client, named } = setup();
        await client.join();
        await client.publishScreen();
        expect(client.room?.local.map((t) => t.source)).toEqual(['screen', 'screen-audio']);

        endByItself(video);

        await until(() => named('trackUnpublished').length === 2, 'two trackUnpublished');
        expect(named('trackUnpublished').map((e) => [e.source, e.reason])).toEqual([
          ['screen', 'ended'],
          ['screen-audio', 'ended'],
        ]);
        expect(audio.readyState).toBe('ended');
      } finally {
        capture.restore();
      }
    });

    it('is no concern once replaced: only the current track ends a publication', async () => {
      const { client, named } = setup();
      await client.join();
      const old = fakeTrack('video');
      await client.publishCamera(old);
      await client.replaceTrack('camera', fakeTrack('video'));
      endByItself(old);
      await tick(10);
      expect(named('trackUnpublished')).toEqual([]);
      expect(client.room?.local.map((t) => t.source)).toEqual(['camera']);
    });
  });

  describe('what a UI shows of its own tracks', () => {
    it('says at once that a source is muted or unmuted', async () => {
      const { client, named } = setup();
      await client.join();
      const track = fakeTrack('audio');
      await client.publishMicrophone(track);
      await client.mute('microphone');
      await client.mute('microphone'); // already muted: no news
      await client.unmute('microphone');
      expect(named('localTrackMuted').map((t) => [t.source, t.muted])).toEqual([
        ['microphone', true],
      ]);
      expect(named('localTrackUnmuted').map((t) => [t.source, t.muted])).toEqual([
        ['microphone', false],
      ]);
      await expect(client.mute('camera')).rejects.toMatchObject({ code: 'NOT_FOUND' });
    });

    it('applies a mute made while the track was being published', async () => {
      const { gateway, client } = setup();
      await client.join();
      const track = fakeTrack('audio');
      let muting: Promise<void> | undefined;
      gateway.answer('producer.create', (_socket, _payload, base) => {
        muting = client.mute('microphone'); // the producer is being made, unpaused
        return base();
      });
      const { producerId } = await client.publishMicrophone(track);
      await muting;
      expect(track.enabled).toBe(false);
      expect(gateway.requestsOf('producer.create')[0]?.payload['paused']).toBe(false);
      await until(() => gateway.requestsOf('producer.pause').length === 1, 'producer.pause');
      expect(gateway.requestsOf('producer.pause')[0]?.payload).toEqual({ producerId });
      expect(client.room?.local[0]).toMatchObject({ muted: true, producerId });
    });

    it('tells an unpublished track from one the session lost and publishes again', async () => {
      const { gateway, client, named } = setup();
      await client.join();
      const camera = await client.publishCamera(fakeTrack('video'));
      gateway.socket.push('session.reconnectRequired', { reason: 'node-lost' });
      await until(() => named('sessionRestored').length === 1, 'sessionRestored');
      const republished = client.room?.local[0]?.producerId;
      await client.unpublish('camera');

      expect(named('trackUnpublished')).toEqual([
        { source: 'camera', kind: 'video', producerId: camera.producerId, reason: 'interrupted' },
        { source: 'camera', kind: 'video', producerId: republished, reason: 'unpublished' },
      ]);
      expect(named('trackPublished').map((e) => e.producerId)).toEqual([
        camera.producerId,
        republished,
      ]);
    });

    it('says a publication that waited for the session is gone when its track ends', async () => {
      const { gateway, client, named } = setup();
      await client.join();
      const screen = fakeTrack('video');
      const { producerId } = await client.publishScreen(screen);
      // The track ends while the session is lost, before it is published again.
      client.onAny((event, payload) => {
        if (event === 'trackUnpublished' && payload.reason === 'interrupted') endByItself(screen);
      });
      gateway.socket.push('session.reconnectRequired', { reason: 'node-lost' });
      await until(() => named('sessionRestored').length === 1, 'sessionRestored');
      expect(named('trackUnpublished').map((e) => [e.producerId, e.reason])).toEqual([
        [producerId, 'interrupted'],
        [producerId, 'ended'],
      ]);
      expect(client.room?.local).toEqual([]);
      expect(gateway.requestsOf('producer.create')).toHaveLength(1); // not published again
    });
  });
});
