import { useFakeClients } from '../test/support/client-harness';
import { fakeTrack, until } from '../test/support/fake-gateway';

const setup = useFakeClients();

describe('CascadeClient muted by a moderator', () => {
  it('marks the source muted as mute() would, tells the application, and resumes on unmute', async () => {
    const { gateway, client, named } = setup();
    await client.join();
    const track = fakeTrack('audio');
    const { producerId } = await client.publishMicrophone(track);

    gateway.socket.push('producer.mutedByModerator', {
      producerId: producerId!,
      source: 'microphone',
      by: 'p-moderator',
    });
    await until(() => named('mutedByModerator').length === 1);

    expect(named('mutedByModerator')).toEqual([
      { producerId, source: 'microphone', by: 'p-moderator' },
    ]);
    expect(named('localTrackMuted').map((t) => [t.source, t.muted])).toEqual([
      ['microphone', true],
    ]);
    expect(client.room?.local[0]?.muted).toBe(true);
    expect(track.enabled).toBe(false);
    // The server paused it already: nothing is asked of it.
    expect(gateway.requestsOf('producer.pause')).toEqual([]);

    // Unmuting is the user's own choice, and resumes the producer on the server.
    await client.unmute('microphone');
    expect(track.enabled).toBe(true);
    expect(gateway.requestsOf('producer.resume').map((r) => r.payload)).toEqual([{ producerId }]);
  });

  it('ignores a moderator mute of a producer that is not its own', async () => {
    const { gateway, client, named } = setup();
    await client.join();
    await client.publishMicrophone(fakeTrack('audio'));
    gateway.socket.push('producer.mutedByModerator', {
      producerId: 'someone-else',
      source: 'microphone',
      by: 'p-moderator',
    });
    gateway.socket.push('chat.message', {
      messageId: 'm-1',
      participantId: 'alice',
      userId: 'user-of-alice',
      displayName: 'alice',
      text: 'after',
      at: 5,
    });
    await until(() => named('chat').length === 1);
    expect(named('mutedByModerator')).toEqual([]);
    expect(client.room?.local[0]?.muted).toBe(false);
  });
});
