import type { ParticipantLeftReason, RoomView } from '@cascade/contracts';
import { OrchestratorClient } from '@cascade/sfu-client';
import { type BotRoom, SdkBot, eventually } from '@cascade/testing';
import { Redis } from 'ioredis';

import { keys } from '../src/sessions/keys';
import { useCascadeStack } from './support/stack';

/**
 * Cascade end to end with real media: two gateway instances, the orchestrator, two SFU nodes,
 * the rooms service, NATS, Redis and PostgreSQL, and four participants that are the client SDK
 * (`SdkBot`: @cascade/client on @roamhq/wrtc, each in a process of its own) publishing a
 * synthetic camera and a 440 Hz tone and decoding everything they receive. The participants
 * alternate between the gateway instances, and the SFU nodes are sized tiny so that the room
 * spans both. The tests build on each other (one room, the same bots): the first fills the room
 * and has one participant leave, the second drops a connection (resumed on the other instance)
 * and kills a participant outright (gone once the grace period is over).
 */
const GRACE_MS = 4_000;
const stack = useCascadeStack({
  gateways: 2,
  sfuNodes: 2,
  resumeGraceMs: GRACE_MS,
  // A room stops sticking to a node once the node carries 2 of its 40 streams (one participant,
  // or its placement's reservation): joins are then placed by load, over both nodes.
  sfuMaxStreams: 40,
  orchestratorStickyThreshold: 0.05,
});
const TENANT = 'acme';
/** Small, to keep four encoders and twelve decoders within two cores. */
const MEDIA = {
  video: { width: 160, height: 120, fps: 10 },
  audio: { frequencyHz: 440, sampleRate: 48_000 },
};

interface Member {
  bot: SdkBot;
  room: BotRoom;
  /** Its camera and microphone producers. */
  producerIds: string[];
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** How many times each value occurs. */
function tally(values: string[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const v of values) counts[v] = (counts[v] ?? 0) + 1;
  return counts;
}

/** `participantLeft` events per participant id, with their reasons. */
async function leftEvents(bot: SdkBot): Promise<Record<string, ParticipantLeftReason[]>> {
  const left: Record<string, ParticipantLeftReason[]> = {};
  for (const e of await bot.eventsOf('participantLeft'))
    (left[e.payload.participantId] ??= []).push(e.payload.reason);
  return left;
}

/**
 * Until every receiver has decoded, from both producers (camera, microphone) of every sender
 * other than itself, at least `frames` more video frames and `samples` more audio samples than
 * when the call began.
 */
async function allDecode(
  what: string,
  receivers: Member[],
  senders: Member[],
  minimum = { frames: 10, samples: 48_000 },
): Promise<void> {
  const snapshot = () => Promise.all(receivers.map((r) => r.bot.received()));
  const before = await snapshot();
  await eventually(
    `${what}: every participant decodes the camera and microphone of every other`,
    async () => {
      const now = await snapshot();
      const missing: string[] = [];
      receivers.forEach((receiver, i) => {
        for (const sender of senders) {
          if (sender === receiver) continue;
          for (const producerId of sender.producerIds) {
            const t = now[i]![producerId];
            const b = before[i]![producerId];
            const grew =
              t?.kind === 'video'
                ? t.decodedFrames - (b?.decodedFrames ?? 0) >= minimum.frames
                : t?.kind === 'audio' && t.samples - (b?.samples ?? 0) >= minimum.samples;
            if (!t?.active || !grew)
              missing.push(`${receiver.bot.name}<-${sender.bot.name}:${t?.kind ?? producerId}`);
          }
        }
      });
      return missing;
    },
    (missing) => missing.length === 0,
    { timeoutMs: 30_000, intervalMs: 500 },
  );
}

/**
 * How many room events a bot has seen: a resumed session changes none of them, on its own side
 * or the others' (nobody left or came back, no track was removed or added again).
 */
async function roomEventCounts(bot: SdkBot): Promise<Record<string, number>> {
  const events = await bot.events();
  const types = ['participantJoined', 'participantLeft', 'trackAdded', 'trackRemoved'];
  return Object.fromEntries(types.map((t) => [t, events.filter((e) => e.type === t).length]));
}

/** None of the bots met an error it could only report as an event. */
async function noErrors(members: Member[]): Promise<void> {
  for (const { bot } of members)
    expect([bot.name, await bot.eventsOf('error')]).toEqual([bot.name, []]);
}

describe('end to end with real media: SDK clients, two gateways, two SFU nodes', () => {
  const started: SdkBot[] = [];
  const members: Member[] = [];
  let roomId: string;
  let urls: string[];
  /** Participant id → SFU node, as the orchestrator placed them. */
  let placement: Map<string, string>;

  const orchestratorRoom = (): Promise<RoomView> =>
    new OrchestratorClient(stack.nc, stack.subjects, { timeoutMs: 3_000 }).admin({
      op: 'room.get',
      tenantId: TENANT,
      roomId,
    });

  /** Bot `i` starts on gateway `i % 2`; a reconnection moves it to the other one. */
  async function bot(i: number): Promise<SdkBot> {
    const name = `b${i}`;
    const launched = await SdkBot.start({
      url: [urls[i % 2]!, urls[(i + 1) % 2]!],
      token: () => stack.mintJoinToken({ tenant: TENANT, user: `u_${name}`, room: roomId, name }),
      displayName: name,
      name,
      publish: { camera: true, microphone: true },
      media: MEDIA,
      reconnect: { initialDelayMs: 50, maxDelayMs: 500 },
    });
    started.push(launched);
    return launched;
  }

  /** The gateways' Redis, to read the deadline a dropped session was given. */
  let redis: Redis;

  beforeAll(async () => {
    urls = stack.gatewayUrls;
    roomId = (await stack.createRoom(TENANT, 'u_owner', { capacity: 10 })).id;
    const { REDIS_URL, REDIS_KEY_PREFIX } = stack.infra.env;
    redis = new Redis(REDIS_URL!, { keyPrefix: REDIS_KEY_PREFIX });
  });

  afterAll(async () => {
    redis?.disconnect();
    await Promise.all(started.map((b) => b.stop().catch(() => undefined)));
  }, 30_000);

  it('four participants over both gateways and both nodes: everyone decodes everyone, room events arrive once', async () => {
    // The processes start together; they join one after the other (who joined before whom is
    // what the event counts check).
    const bots = await Promise.all([0, 1, 2, 3].map((i) => bot(i)));
    for (const b of bots) {
      const room = await b.join();
      const producerIds = room.local.map((t) => t.producerId!);
      expect(room.local.map((t) => t.source).sort()).toEqual(['camera', 'microphone']);
      expect(producerIds.every(Boolean)).toBe(true);
      members.push({ bot: b, room, producerIds });
    }
    const ids = members.map((m) => m.room.participantId);

    // Every participant sees the others listed, whichever instance and node they are on.
    for (const [i, m] of members.entries()) {
      expect(m.room.participants.map((p) => p.participantId).sort()).toEqual(
        ids.slice(0, i).sort(),
      );
    }
    const states = await Promise.all(members.map((m) => m.bot.state()));
    expect(states.map((s) => s.url)).toEqual([urls[0], urls[1], urls[0], urls[1]]);
    expect(states.map((s) => s.connectionState)).toEqual(Array(4).fill('connected'));

    // The room is really spread over both SFU nodes.
    const view = await orchestratorRoom();
    expect(view.participants.map((p) => p.participantId).sort()).toEqual([...ids].sort());
    expect(new Set(view.participants.map((p) => p.nodeId))).toEqual(new Set(['n1', 'n2']));
    placement = new Map(view.participants.map((p) => [p.participantId, p.nodeId]));

    await allDecode('four participants', members, members);
    // Every producer crossed to the other node, once (the node's consumers share one pipe).
    const piped = (await orchestratorRoom()).pipes.flatMap((pipe) =>
      pipe.producers.map((p) => `${p.producerId} ${p.from}>${p.to}`),
    );
    const crossings = members.flatMap((m) => {
      const from = placement.get(m.room.participantId)!;
      const to = from === 'n1' ? 'n2' : 'n1';
      return m.producerIds.map((id) => `${id} ${from}>${to}`);
    });
    expect(piped.sort()).toEqual(crossings.sort());
    // Real pictures and a real tone, not silence.
    for (const m of members) {
      const received = Object.values(await m.bot.received());
      expect(received).toHaveLength(6);
      for (const t of received) {
        if (t.kind === 'video') expect([t.width, t.height]).toEqual([160, 120]);
        else expect(t.peak).toBeGreaterThan(2_000);
      }
    }

    // participantJoined: once per later joiner on each participant, never for earlier ones.
    // trackAdded: exactly once per producer of the others.
    for (const [i, m] of members.entries()) {
      const joined = tally(
        (await m.bot.eventsOf('participantJoined')).map((e) => e.payload.participantId),
      );
      expect([m.bot.name, joined]).toEqual([
        m.bot.name,
        Object.fromEntries(ids.slice(i + 1).map((id) => [id, 1])),
      ]);
      const added = tally((await m.bot.eventsOf('trackAdded')).map((e) => e.payload.producerId));
      const others = members.filter((o) => o !== m).flatMap((o) => o.producerIds);
      expect([m.bot.name, added]).toEqual([
        m.bot.name,
        Object.fromEntries(others.map((id) => [id, 1])),
      ]);
    }

    // Active speakers reach participants on both instances, and never twice in a row (the
    // observer needs a moment of audio first: on a busy host, more than decoding took).
    const onInstance = <E>(events: E[][], gateway: number) =>
      events.filter((_, i) => states[i]!.url === urls[gateway]).flat();
    const speakerEvents = await eventually(
      'active speakers on both gateway instances',
      () => Promise.all(members.map((m) => m.bot.eventsOf('activeSpeaker'))),
      (events) => onInstance(events, 0).length > 0 && onInstance(events, 1).length > 0,
    );
    for (const [i, events] of speakerEvents.entries()) {
      const speakers = events.map((e) => `${e.payload.participantId}/${e.payload.producerId}`);
      const repeats = speakers.filter((s, k) => k > 0 && s === speakers[k - 1]);
      expect([members[i]!.bot.name, repeats]).toEqual([members[i]!.bot.name, []]);
      for (const e of events) {
        // A participant of the room, by its microphone.
        const speaker = members.find((o) => o.room.participantId === e.payload.participantId);
        const microphone = speaker?.room.local.find((t) => t.source === 'microphone');
        expect(microphone?.producerId).toBe(e.payload.producerId);
      }
    }

    // Someone who comes now is told who is speaking, without waiting for the next change.
    const latecomer = await SdkBot.start({
      url: [urls[1]!, urls[0]!],
      token: () =>
        stack.mintJoinToken({ tenant: TENANT, user: 'u_late', room: roomId, name: 'late' }),
      displayName: 'late',
      name: 'late',
      publish: { camera: false, microphone: false },
      autoSubscribe: false,
    });
    started.push(latecomer);
    const lateId = (await latecomer.join()).participantId;
    const told = await latecomer.waitForEvent('activeSpeaker');
    const speakerOf = members.find((m) => m.room.participantId === told.payload.participantId);
    expect(speakerOf?.room.local.find((t) => t.source === 'microphone')?.producerId).toBe(
      told.payload.producerId,
    );
    await latecomer.leave();
    await Promise.all(
      members.map((m) =>
        m.bot.waitForEvent('participantLeft', (e) => e.payload.participantId === lateId),
      ),
    );

    // One leaves: the three others are told once, with its reason; its media stops.
    const leaver = members.pop()!;
    await leaver.bot.leave();
    const leaverId = leaver.room.participantId;
    await Promise.all(
      members.map((m) =>
        m.bot.waitForEvent('participantLeft', (e) => e.payload.participantId === leaverId),
      ),
    );
    await Promise.all(
      members.map((m) =>
        eventually(
          `${m.bot.name}: the leaver's tracks removed`,
          () => m.bot.received(),
          (r) => leaver.producerIds.every((id) => r[id] && !r[id].active),
        ),
      ),
    );
    await sleep(1_000); // a duplicate would have arrived by now
    for (const m of members) {
      expect([m.bot.name, await leftEvents(m.bot)]).toEqual([
        m.bot.name,
        { [lateId]: ['left'], [leaverId]: ['left'] },
      ]);
    }
    await noErrors([...members, leaver]);
    await leaver.bot.stop();
  }, 75_000);

  it('a dropped connection resumes on the other instance unnoticed; a killed participant is gone once after the grace period', async () => {
    expect(members).toHaveLength(3);
    const [dropped, killed, witness] = members as [Member, Member, Member];
    const droppedId = dropped.room.participantId;
    const others = [killed, witness];
    const countsBefore = await Promise.all(members.map((m) => roomEventCounts(m.bot)));

    // A network drop: the SDK reconnects to the other gateway instance and takes its session back.
    const urlBefore = (await dropped.bot.state()).url;
    await dropped.bot.dropSocket();
    const restored = await dropped.bot.waitForEvent('sessionRestored', undefined, GRACE_MS);
    expect(restored.payload).toEqual({
      mode: 'resumed',
      participantId: droppedId,
      url: urls.find((u) => u !== urlBefore),
    });
    const connection = (await dropped.bot.eventsOf('connectionState')).map((e) => e.payload);
    expect(connection.slice(-2)).toEqual(['reconnecting', 'connected']);
    expect((await dropped.bot.state()).connectionState).toBe('connected');

    // Media flows both ways again (fresh counts), after the ICE restarts.
    await allDecode('after the resume', [dropped], others);
    await allDecode('after the resume', others, [dropped]);
    // So far nobody saw it leave, come back or lose a track (checked again once its grace is over).
    for (const [i, m] of members.entries()) {
      expect([m.bot.name, await roomEventCounts(m.bot)]).toEqual([m.bot.name, countsBefore[i]]);
    }
    // Its media stayed where it was.
    const kept = (await orchestratorRoom()).participants.find((p) => p.participantId === droppedId);
    expect(kept?.nodeId).toBe(placement.get(droppedId));

    // Killed outright, it cannot resume: once the grace period is over, the room is told once.
    const killedId = killed.room.participantId;
    process.kill(killed.bot.pid!, 'SIGKILL');
    await killed.bot.stop();
    const survivors = [dropped, witness];
    // The deadline the gateway gave the dropped session (`keys.expiring`, scored by it).
    const graceEnds = await eventually(
      'the gateway to start the killed participant’s grace period',
      () => redis.zscore(keys.expiring, `${TENANT}:${roomId}:${killedId}`),
      (score) => score !== null,
    ).then(Number);
    const told = await Promise.all(
      survivors.map((m) =>
        m.bot.waitForEvent(
          'participantLeft',
          (e) => e.payload.participantId === killedId,
          GRACE_MS + 10_000,
        ),
      ),
    );
    // Not before the deadline (one clock: the gateway's and the bots' processes share the host).
    for (const e of told) expect(e.at).toBeGreaterThanOrEqual(graceEnds);
    await eventually(
      'the orchestrator to drop the killed participant',
      orchestratorRoom,
      (room) => room.participants.length === 2,
    );
    // The dropped session's grace ended before the killed one's: had the sweeper ended it, the
    // room would have been told by now. Nobody saw it leave or come back, nor anyone join.
    for (const [i, m] of members.entries()) {
      if (m === killed) continue;
      const left = await leftEvents(m.bot);
      expect([m.bot.name, left[killedId]]).toEqual([m.bot.name, ['disconnected']]);
      expect([m.bot.name, left[droppedId]]).toEqual([m.bot.name, undefined]);
      const counts = await roomEventCounts(m.bot);
      expect([m.bot.name, counts['participantJoined'], counts['trackAdded']]).toEqual([
        m.bot.name,
        countsBefore[i]!['participantJoined'],
        countsBefore[i]!['trackAdded'],
      ]);
    }
    for (const m of survivors) {
      const received = await m.bot.received();
      expect(killed.producerIds.map((id) => received[id]?.active)).toEqual([false, false]);
    }
    // The two left still decode each other.
    await allDecode('after the kill', survivors, survivors);
    await noErrors(survivors);
  }, 60_000);
});
