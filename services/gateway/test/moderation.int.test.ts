import { CascadeError } from '@cascade/contracts';
import { SfuNodeClient } from '@cascade/sfu-client';
import { SdkBot, eventually } from '@cascade/testing';

import { useCascadeStack } from './support/stack';

/**
 * A moderator's call, end to end with real media: the rooms service, the orchestrator, an SFU
 * node and two gateway instances, and two participants that are the client SDK (`SdkBot`): a
 * moderator (join token with `admin`) on one instance, and a speaker publishing a 440 Hz tone on
 * the other. The tests build on each other (one room, the same bots).
 */
const stack = useCascadeStack({ gateways: 2, sfuNodes: 1 });
const TENANT = 'acme';
const MEDIA = {
  video: { width: 160, height: 120, fps: 10 },
  audio: { frequencyHz: 440, sampleRate: 48_000 },
};

describe('moderation with real media: mute and remove', () => {
  const started: SdkBot[] = [];
  let roomId: string;
  let moderator: SdkBot;
  let speaker: SdkBot;
  let moderatorId: string;
  let speakerId: string;
  let microphoneId: string;

  async function bot(name: string, gateway: number, admin: boolean, microphone: boolean) {
    const launched = await SdkBot.start({
      url: stack.gatewayUrls[gateway]!,
      token: () =>
        stack.mintJoinToken({
          tenant: TENANT,
          user: `u_${name}`,
          room: roomId,
          name,
          grants: { admin },
        }),
      displayName: name,
      name,
      publish: { microphone },
      media: MEDIA,
    });
    started.push(launched);
    return launched;
  }

  /** Whether the SFU node has the speaker's microphone paused. */
  async function pausedOnNode(): Promise<boolean | undefined> {
    const node = new SfuNodeClient(stack.nc, stack.subjects, 'n1', { timeoutMs: 3_000 });
    const dump = (await node.request('room.dump', { tenantId: TENANT, roomId })) as {
      producers: Array<{ producerId: string; paused: boolean }>;
    };
    return dump.producers.find((p) => p.producerId === microphoneId)?.paused;
  }

  beforeAll(async () => {
    roomId = (await stack.createRoom(TENANT, 'u_owner')).id;
    [moderator, speaker] = await Promise.all([
      bot('moderator', 0, true, false),
      bot('speaker', 1, false, true),
    ]);
    moderatorId = (await moderator.join()).participantId;
    const joined = await speaker.join();
    speakerId = joined.participantId;
    microphoneId = joined.local.find((t) => t.source === 'microphone')!.producerId!;
    await moderator.waitForEvent('trackAdded', (e) => e.payload.producerId === microphoneId);
  }, 60_000);

  afterAll(async () => {
    await Promise.all(started.map((b) => b.stop().catch(() => undefined)));
  }, 30_000);

  it("a moderator mutes the speaker's microphone: paused on the node, the room and the speaker see it", async () => {
    await expect(
      moderator.request('participant.mute', { participantId: speakerId, source: 'microphone' }),
    ).resolves.toEqual({});

    // The room (here, the moderator) sees the producer paused, as for any pause.
    const muted = await moderator.waitForEvent(
      'trackMuted',
      (e) => e.payload.producerId === microphoneId,
    );
    expect(muted.payload).toMatchObject({ participantId: speakerId, source: 'microphone' });
    // The speaker's own client knows who muted it, and shows itself muted.
    const told = await speaker.waitForEvent('mutedByModerator');
    expect(told.payload).toEqual({
      producerId: microphoneId,
      source: 'microphone',
      by: moderatorId,
    });
    const local = (await speaker.state()).room!.local;
    expect(local.map((t) => [t.source, t.muted])).toEqual([['microphone', true]]);
    expect(await pausedOnNode()).toBe(true);

    // Unmuting is the speaker's choice: its client resumes the same producer.
    await speaker.unmute('microphone');
    await moderator.waitForEvent('trackUnmuted', (e) => e.payload.producerId === microphoneId);
    await eventually('the node to resume the microphone', pausedOnNode, (p) => p === false);
    expect((await speaker.eventsOf('mutedByModerator')).length).toBe(1);
  }, 30_000);

  it('refuses muting without the admin grant, and what is not there', async () => {
    const code = (promise: Promise<unknown>) =>
      promise.then(
        () => 'ok',
        (e: unknown) => (e instanceof CascadeError ? e.code : String(e)),
      );
    expect(
      await code(
        speaker.request('participant.mute', { participantId: moderatorId, source: 'microphone' }),
      ),
    ).toBe('FORBIDDEN');
    // The speaker publishes no camera; nobody is called p_nobody.
    expect(
      await code(
        moderator.request('participant.mute', { participantId: speakerId, source: 'camera' }),
      ),
    ).toBe('NOT_FOUND');
    expect(
      await code(
        moderator.request('participant.mute', { participantId: 'p_nobody', source: 'microphone' }),
      ),
    ).toBe('NOT_FOUND');
    expect(await pausedOnNode()).toBe(false);
  });

  it('the moderator still removes the speaker from the room', async () => {
    await moderator.request('participant.remove', { participantId: speakerId });
    const removed = await speaker.waitForEvent('removed');
    expect(removed.payload).toEqual({ reason: 'kicked' });
    const left = await moderator.waitForEvent(
      'participantLeft',
      (e) => e.payload.participantId === speakerId,
    );
    expect(left.payload.reason).toBe('kicked');
    for (const b of [moderator, speaker])
      expect([b.name, await b.eventsOf('error')]).toEqual([b.name, []]);
  });
});
