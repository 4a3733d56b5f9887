import type { JoinResult, ResumeResult } from '@cascade/contracts';
import type { Device } from 'mediasoup-client';

import { silentLogger } from '../logger';
import type { MediaSessionOptions } from '../media/media-session';
import { noAnswer } from '../signaling/signaling-channel';
import { Timings } from '../timing';
import { SessionMedia, type SessionMediaSession } from './session-media';

/** A media session that records what was asked of it. */
function fakeSession(options: MediaSessionOptions, transports: string[], failIce: string[] = []) {
  const calls: string[] = [];
  const session = {
    closed: false,
    consumers: new Map([['c-alive', {}]]),
    transports: () => transports.map((id) => ({ id })),
    close: () => {
      session.closed = true;
      calls.push('close');
    },
    keepTransports: (alive: ReadonlySet<string>) => calls.push(`keep ${[...alive].join(',')}`),
    updateIceServers: async () => void calls.push('ice servers'),
    restartIce: async (t: { id: string }) => {
      if (failIce.includes(t.id)) throw new Error('ICE restart refused');
      calls.push(`restart ${t.id}`);
    },
    closeTransport: (t: { id: string }) => calls.push(`close ${t.id}`),
    adoptTransports: (infos: Array<{ transportId: string }>) =>
      calls.push(`adopt ${infos.map((i) => i.transportId).join(',')}`),
    prepare: (direction: string) => calls.push(`prepare ${direction}`),
    options,
    calls,
  };
  return session;
}

function sessionMedia(options: { failIce?: string[]; connected?: boolean } = {}) {
  const made: Array<ReturnType<typeof fakeSession>> = [];
  const reported: unknown[] = [];
  const media = new SessionMedia({
    request: async () => ({}) as never,
    logger: silentLogger,
    timings: new Timings(() => undefined),
    restartIceNow: () => options.connected ?? true,
    report: (error) => reported.push(error),
    create: (o) => {
      const session = fakeSession(o, ['t-send', 't-recv'], options.failIce);
      made.push(session);
      return session as unknown as SessionMediaSession;
    },
  });
  return { media, made, reported };
}

const device = {} as Device;
const joined = (extra: Partial<JoinResult> = {}) =>
  ({
    participantId: 'me',
    iceServers: [],
    producers: [],
    media: { transports: [{ transportId: 't-send' }], consumers: [] },
    ...extra,
  }) as unknown as JoinResult;
const resumed = (extra: Partial<ResumeResult> = {}) =>
  ({
    ...joined(),
    transports: [{ transportId: 't-send' }],
    consumerIds: ['c-alive', 'c-gone'],
    producerIds: ['p1'],
    ...extra,
  }) as unknown as ResumeResult;

describe('SessionMedia', () => {
  it('starts a media session on a join, from the join’s transports', async () => {
    const { media, made } = sessionMedia();
    const survivors = await media.follow(joined(), 'joined', device, true);
    expect(made).toHaveLength(1);
    expect(made[0]?.calls).toEqual(['adopt t-send']);
    expect(survivors).toEqual({ consumers: new Set(), producers: new Set() });
    expect(media.current).toBe(made[0]);
  });

  it('makes the receive transport at once when someone else publishes already', async () => {
    const { media, made } = sessionMedia();
    const producers = [{ participantId: 'bob' }] as JoinResult['producers'];
    await media.follow(joined({ producers }), 'joined', device, true);
    expect(made[0]?.calls).toEqual(['adopt t-send', 'prepare recv']);
  });

  it('keeps a resumed session’s transports, restarts their ICE, and names what survived', async () => {
    const { media, made } = sessionMedia();
    await media.follow(joined(), 'joined', device, true);
    made[0]?.calls.splice(0);
    const survivors = await media.follow(resumed(), 'resumed', device, false);
    expect(made).toHaveLength(1);
    expect(made[0]?.calls).toEqual([
      'keep t-send',
      'ice servers',
      'restart t-send',
      'restart t-recv',
    ]);
    expect(survivors).toEqual({ consumers: new Set(['c-alive']), producers: new Set(['p1']) });
  });

  it('makes a transport anew whose ICE restart fails, but not one lost with the connection', async () => {
    const { media, made } = sessionMedia({ failIce: ['t-recv'] });
    await media.follow(joined(), 'joined', device, true);
    made[0]?.calls.splice(0);
    await media.follow(resumed(), 'resumed', device, false);
    expect(made[0]?.calls).toContain('close t-recv');
  });

  it('starts over after a rejoin, or when the room’s capabilities changed the Device', async () => {
    const { media, made } = sessionMedia();
    await media.follow(joined(), 'joined', device, true);
    await media.follow(resumed(), 'resumed', device, true);
    await media.follow(joined(), 'rejoined', device, false);
    expect(made).toHaveLength(3);
    expect(made[0]?.closed).toBe(true);
    expect(made[1]?.closed).toBe(true);
    expect(media.current).toBe(made[2]);
  });

  it('restarts ICE that failed only while connected, and reports a restart that fails', async () => {
    const connected = sessionMedia({ connected: true, failIce: ['t-send'] });
    await connected.media.follow(joined(), 'joined', device, true);
    connected.made[0]?.options.onIceFailed?.({ id: 't-send' } as never);
    await new Promise((resolve) => setImmediate(resolve));
    expect(connected.reported).toEqual([new Error('ICE restart refused')]);

    const reconnecting = sessionMedia({ connected: false });
    await reconnecting.media.follow(joined(), 'joined', device, true);
    reconnecting.made[0]?.options.onIceFailed?.({ id: 't-send' } as never);
    expect(reconnecting.made[0]?.calls).toEqual(['adopt t-send']);
  });

  it('keeps a closed session until the next join, and forgets it when discarded', async () => {
    const { media, made } = sessionMedia();
    await media.follow(joined(), 'joined', device, true);
    media.close();
    expect(media.current).toBe(made[0]);
    expect(made[0]?.closed).toBe(true);
    media.discard();
    expect(media.current).toBeUndefined();
  });
});

// A connection lost during a resume's ICE restart is the caller's to handle (it reconnects).
it('lets a connection loss during the ICE restarts through', async () => {
  const lost = noAnswer('transport.restartIce', 'disconnected');
  const media = new SessionMedia({
    request: async () => ({}) as never,
    logger: silentLogger,
    timings: new Timings(() => undefined),
    restartIceNow: () => true,
    report: () => undefined,
    create: (o) => {
      const session = fakeSession(o, ['t-send']);
      session.restartIce = async () => {
        throw lost;
      };
      return session as unknown as SessionMediaSession;
    },
  });
  await media.follow(joined(), 'joined', device, true);
  await expect(media.follow(resumed(), 'resumed', device, false)).rejects.toBe(lost);
});
