import type { ClientView, ParticipantInfo } from '@cascade/contracts';

import type { SignalingSocket } from '../signaling/socket-data';
import { type Audible, AudioPlanner } from './audio-planner';
import { type ViewDeps, ViewOperations } from './view-operations';
import type { PlannedConsumer, PlannedProducer } from './view-planner';

const ROOM = { tenantId: 't1', roomId: 'r1' };
const IDS = ['me', 'a', 'b', 'c', 'd'];
/** A webinar viewer: receives like the others, is in no roster, publishes nothing. */
const VIEWER = 'v';

/** The gateway's stores and nodes, in memory; node requests are recorded. */
function world(
  rate = { perSecond: 1, burst: 3 },
  audio?: AudioPlanner,
  layersDelayMs = 0,
  lowerDelayMs = 0,
) {
  const views = new Map<string, ClientView>();
  let speakers: string[] = [];
  let audible: Audible | undefined;
  let layers = new Map<string, number | null>();
  /** How many times the room's layers were worked out. */
  const swaps = { count: 0 };
  /** What publishers were told of their producers' layers (dynacast), in order. */
  const told: Array<{ participantId: string; producerId: string; max: number | null }> = [];
  const roster = [...IDS];
  const producers: PlannedProducer[] = IDS.flatMap((id) => [
    { producerId: `${id}-cam`, participantId: id, kind: 'video' as const },
    { producerId: `${id}-mic`, participantId: id, kind: 'audio' as const },
  ]);
  /** Each participant consumes everyone else's camera and microphone. */
  const consumers = (viewer: string): PlannedConsumer[] =>
    producers
      .filter((p) => p.participantId !== viewer)
      .map((p) => ({ consumerId: `${viewer}>${p.producerId}`, producerId: p.producerId }));
  const sent: Array<{ nodeId: string; participantId: string; consumers: unknown[] }> = [];
  /** Whose sessions were read, in order; how many times the room's viewers were listed. */
  const reads: string[] = [];
  const viewerReads = { count: 0 };
  const warnings: string[] = [];
  /** What the nodes were last told of each consumer (never told: flowing). */
  const viewPaused = new Map<string, boolean>();
  let clock = 0;
  /** The room's epoch: counted up by each change that decides what flows. */
  let epoch = 0;
  const audibleKey = (a: Audible | undefined) =>
    a === undefined ? '' : a === 'all' ? 'all' : [...a].sort().join();
  const deps: ViewDeps = {
    views: {
      view: async (_t, _r, p) => views.get(p),
      views: async () => new Map(views),
      setView: async (_t, _r, p, v) => {
        views.set(p, v);
        return ++epoch;
      },
      forget: async (_t, _r, ids) => {
        ids.forEach((id) => views.delete(id));
        speakers = speakers.filter((id) => !ids.includes(id));
        return ++epoch;
      },
      speakers: async () => [...speakers],
      speakersAt: async () => ({ speakers: [...speakers], epoch }),
      epoch: async () => epoch,
      swapAudible: async (_t, _r, next) => {
        const was = audible ?? 'all';
        const changed = audibleKey(audible) !== audibleKey(next);
        audible = next;
        if (changed) epoch += 1;
        return { was, epoch, changed };
      },
      swapLayers: async (_t, _r, next) => {
        swaps.count += 1;
        const was = layers;
        layers = new Map(next);
        return was;
      },
      layers: async () => new Map(layers),
      pushSpeaker: async (_t, _r, p) => {
        const before = speakers;
        speakers = [p, ...before.filter((s) => s !== p)];
        return { before, after: speakers, epoch: ++epoch };
      },
    },
    sessions: {
      get: async (ref) => {
        reads.push(ref.participantId);
        return roster.includes(ref.participantId) || ref.participantId === VIEWER
          ? { nodeId: `node-of-${ref.participantId}`, consumers: consumers(ref.participantId) }
          : undefined;
      },
      roster: async () =>
        roster.map((participantId, i) => ({ participantId, joinedAt: i + 1 }) as ParticipantInfo),
      viewerIds: async () => {
        viewerReads.count += 1;
        return [VIEWER];
      },
    },
    media: { producers: async () => producers },
    nodes: {
      setViewState: async (nodeId, request) => {
        sent.push({ nodeId, participantId: request.participantId, consumers: request.consumers });
        for (const c of request.consumers) viewPaused.set(c.consumerId, c.paused);
        return { missing: [] };
      },
    },
    publishers: {
      layers: (publisher, { producerId, maxSpatialLayer }) =>
        void told.push({
          participantId: publisher.participantId,
          producerId,
          max: maxSpatialLayer,
        }),
    },
    log: { warn: (_fields, message) => void warnings.push(message) },
    layersDelayMs,
    lowerDelayMs,
    now: () => clock,
    rate,
    ...(audio ? { audio } : {}),
  };
  const ops = new ViewOperations(deps);
  const sockets = new Map<string, SignalingSocket>();
  /** The one socket of each participant. */
  const socket = (participantId: string): SignalingSocket => {
    let found = sockets.get(participantId);
    if (!found) {
      const nodeId = `node-of-${participantId}`;
      const session = {
        ...ROOM,
        participantId,
        userId: 'u',
        displayName: 'x',
        nodeId,
        workerIndex: 0,
      };
      found = {
        id: `s-${participantId}`,
        connected: true,
        data: { session },
      } as unknown as SignalingSocket;
      sockets.set(participantId, found);
    }
    return found;
  };
  /** Whose audio flows to `viewer`, as its node was last told (never told: flowing). */
  const hears = (viewer: string): string[] =>
    producers
      .filter((p) => p.kind === 'audio' && p.participantId !== viewer)
      .filter((p) => !viewPaused.get(`${viewer}>${p.producerId}`))
      .map((p) => p.participantId);
  /** `participantId` leaves: gone from the roster, then the room is told. */
  const leave = async (participantId: string) => {
    roster.splice(roster.indexOf(participantId), 1);
    await ops.participantLeft({ ...ROOM, participantId });
  };
  return {
    ops,
    deps,
    reads,
    viewerReads,
    viewPaused,
    views,
    sent,
    told,
    swaps,
    warnings,
    socket,
    hears,
    leave,
    advance: (ms: number) => (clock += ms),
  };
}

const tile = (participantId: string, height: number) => ({ participantId, width: 1, height });

describe('ViewOperations', () => {
  it('applies a view to every video consumer of the session on its node, and keeps it', async () => {
    const { ops, views, sent, socket } = world();
    const view = { visible: [tile('a', 720), tile('b', 100)], lastN: 2 };
    await expect(ops.setView(socket('me'), view)).resolves.toEqual({
      flowing: ['a', 'b'],
      paused: 2,
    });
    expect(sent).toEqual([
      {
        nodeId: 'node-of-me',
        participantId: 'me',
        consumers: [
          { consumerId: 'me>a-cam', paused: false, spatialLayer: 2 },
          { consumerId: 'me>b-cam', paused: false, spatialLayer: 0 },
          { consumerId: 'me>c-cam', paused: true },
          { consumerId: 'me>d-cam', paused: true },
        ],
      },
    ]);
    expect(views.get('me')).toEqual(view);
  });

  it('refuses a view naming someone not in the room, changing nothing', async () => {
    const { ops, views, sent, socket } = world();
    await expect(
      ops.setView(socket('me'), { visible: [tile('a', 1), tile('stranger', 1)], lastN: 2 }),
    ).rejects.toMatchObject({ code: 'NOT_FOUND', details: { participantIds: ['stranger'] } });
    expect(sent).toEqual([]);
    expect(views.size).toBe(0);
  });

  it('rate limits view changes per socket, changing nothing when it refuses', async () => {
    const { ops, sent, socket, advance } = world({ perSecond: 1, burst: 3 });
    const view = { visible: [tile('a', 1)], lastN: 1 };
    for (let i = 0; i < 3; i++) await ops.setView(socket('me'), view);
    await expect(ops.setView(socket('me'), view)).rejects.toMatchObject({
      code: 'RATE_LIMITED',
      details: { retryAfterMs: 1_000 },
    });
    expect(sent).toHaveLength(3);
    await ops.setView(socket('a'), view); // another session has its own allowance
    advance(1_000);
    await ops.setView(socket('me'), view);
    expect(sent).toHaveLength(5);
  });

  it('applies the kept view to new consumers, sending only what differs from a new one', async () => {
    const { ops, sent, socket } = world();
    const me = socket('me').data.session!;
    await ops.consumersCreated(me, [{ consumerId: 'x', producerId: 'a-cam', kind: 'video' }]);
    expect(sent).toEqual([]); // no view, room under the default last-N: it flows as made
    await ops.setView(socket('me'), { visible: [tile('a', 360)], lastN: 1 });
    sent.length = 0;
    await ops.consumersCreated(me, [
      { consumerId: 'new-a', producerId: 'a-cam', kind: 'video' },
      { consumerId: 'new-b', producerId: 'b-cam', kind: 'video' },
      { consumerId: 'new-b-mic', producerId: 'b-mic', kind: 'audio' },
    ]);
    expect(sent.map((s) => s.consumers)).toEqual([
      [
        { consumerId: 'new-a', paused: false, spatialLayer: 1 },
        { consumerId: 'new-b', paused: true },
      ],
    ]);
  });

  it("lists a webinar's viewers for a newcomer's consumers or a leave only when the room's audio changes", async () => {
    const { ops, viewerReads, socket, leave } = world();
    const viewer = socket(VIEWER).data.session!;
    await ops.consumersCreated(viewer, [{ consumerId: 'v-a', producerId: 'a-cam', kind: 'video' }]);
    await leave('d');
    expect(viewerReads.count).toBe(0); // a room of five hears everyone, before and after
  });

  it('on a speaker change, changes only the sessions and consumers it concerns', async () => {
    const { ops, sent, socket } = world();
    // me shows a and keeps one slot for a speaker; b shows c and d with no slot left.
    await ops.setView(socket('me'), { visible: [tile('a', 360)], lastN: 2 });
    await ops.setView(socket('b'), { visible: [tile('c', 360), tile('d', 360)], lastN: 2 });
    sent.length = 0;
    await ops.speakerChanged(ROOM.tenantId, ROOM.roomId, 'c');
    expect(sent).toEqual([
      {
        nodeId: 'node-of-me',
        participantId: 'me',
        consumers: [{ consumerId: 'me>c-cam', paused: false, spatialLayer: 0 }],
      },
    ]);
    sent.length = 0;
    await ops.speakerChanged(ROOM.tenantId, ROOM.roomId, 'c'); // the same again: nothing
    await ops.speakerChanged(ROOM.tenantId, ROOM.roomId, 'd');
    expect(sent).toEqual([
      {
        nodeId: 'node-of-me',
        participantId: 'me',
        consumers: [
          { consumerId: 'me>c-cam', paused: true },
          { consumerId: 'me>d-cam', paused: false, spatialLayer: 0 },
        ],
      },
    ]);
  });

  it("on a speaker change, keeps a viewer's view and follows it", async () => {
    const { ops, views, sent, socket } = world();
    await ops.setView(socket(VIEWER), { visible: [tile('a', 360)], lastN: 2 });
    sent.length = 0;
    await ops.speakerChanged(ROOM.tenantId, ROOM.roomId, 'c');
    expect([...views.keys()]).toEqual([VIEWER]);
    expect(sent).toEqual([
      {
        nodeId: `node-of-${VIEWER}`,
        participantId: VIEWER,
        consumers: [{ consumerId: `${VIEWER}>c-cam`, paused: false, spatialLayer: 0 }],
      },
    ]);
  });

  it('on a speaker change, drops the views of those who left', async () => {
    const { ops, views, socket } = world();
    await ops.setView(socket('me'), { visible: [tile('a', 360)], lastN: 2 });
    views.set('left-long-ago', { visible: [], lastN: 1 });
    await ops.speakerChanged(ROOM.tenantId, ROOM.roomId, 'c');
    expect([...views.keys()]).toEqual(['me']);
  });

  it('two instances racing on speaker changes: the node ends with the latest choice, not the one whose changes arrived last', async () => {
    const { ops, deps, viewPaused, socket } = world();
    // me shows a and keeps one slot for the most recent speaker.
    await ops.setView(socket('me'), { visible: [tile('a', 360)], lastN: 2 });
    // Another gateway, whose requests to the node arrive late (held until released).
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    const late = new ViewOperations({
      ...deps,
      nodes: {
        setViewState: async (nodeId, request) => {
          await held;
          return deps.nodes.setViewState(nodeId, request);
        },
      },
    });
    // c speaks (handled by the late instance), then d (handled here, applied at once); the late
    // instance's changes (c flows) reach the node after this one's (c paused, d flows).
    const first = late.speakerChanged(ROOM.tenantId, ROOM.roomId, 'c');
    await new Promise((resolve) => setImmediate(resolve));
    await ops.speakerChanged(ROOM.tenantId, ROOM.roomId, 'd');
    release();
    await first;
    const flowing = IDS.filter((id) => id !== 'me' && !viewPaused.get(`me>${id}-cam`));
    expect(flowing).toEqual(['a', 'd']);
  });

  it('logs, and does not throw, when a node does not answer a new consumer’s view', async () => {
    const { ops, views, socket, warnings } = world();
    const failing = new ViewOperations({
      ...(ops as unknown as { deps: ConstructorParameters<typeof ViewOperations>[0] }).deps,
      nodes: { setViewState: () => Promise.reject(new Error('no node')) },
    });
    views.set('me', { visible: [], lastN: 1 });
    await failing.consumersCreated(socket('me').data.session!, [
      { consumerId: 'x', producerId: 'b-cam', kind: 'video' },
    ]);
    expect(warnings).toEqual(['the view was not applied to new consumers']);
  });
});

describe('ViewOperations: audio in a room larger than the policy’s size', () => {
  /** Five in the room, above three: one speaker is heard. */
  const loudest = () => world(undefined, new AudioPlanner({ above: 3, loudest: 1 }));
  const mic = (viewer: string, of: string) => ({
    consumerId: `${viewer}>${of}-mic`,
    producerId: `${of}-mic`,
    kind: 'audio' as const,
  });

  it('a newcomer’s consumers start as the plan says; the room past its size stops everyone’s audio until someone speaks', async () => {
    const { ops, sent, socket, hears } = loudest();
    await ops.consumersCreated(socket('me').data.session!, [mic('me', 'a')]);
    for (const id of IDS) expect([id, hears(id)]).toEqual([id, []]);
    // Each consumer was told once: the new one as new, the others as the room's change.
    const told = sent.flatMap((s) => s.consumers as Array<{ consumerId: string }>);
    // Everyone's microphone but its own, and the webinar viewer's of everyone.
    expect(told).toHaveLength(IDS.length * (IDS.length - 1) + IDS.length);
    expect(new Set(told.map((c) => c.consumerId)).size).toBe(told.length);
  });

  it('a speaker is heard by everyone else at once; the one it replaces is paused', async () => {
    const { ops, sent, socket, hears } = loudest();
    await ops.consumersCreated(socket('me').data.session!, [mic('me', 'a')]);
    await ops.speakerChanged(ROOM.tenantId, ROOM.roomId, 'c');
    expect(IDS.map((id) => [id, hears(id)])).toEqual([
      ['me', ['c']],
      ['a', ['c']],
      ['b', ['c']],
      ['c', []],
      ['d', ['c']],
    ]);
    sent.length = 0;
    await ops.speakerChanged(ROOM.tenantId, ROOM.roomId, 'd');
    expect(IDS.map((id) => [id, hears(id)])).toEqual([
      ['me', ['d']],
      ['a', ['d']],
      ['b', ['d']],
      ['c', ['d']],
      ['d', []],
    ]);
    // Only the consumers of the two speakers were touched, and no video.
    const told = sent.flatMap((s) => s.consumers as Array<{ consumerId: string }>);
    expect(told.every((c) => /-mic$/.test(c.consumerId))).toBe(true);
    expect(told.every((c) => /[cd]-mic$/.test(c.consumerId))).toBe(true);
    // Three listeners change both voices, c and d one each, the viewer both.
    expect(told).toHaveLength(2 * 3 + 2 + 2);
    expect(told.filter((c) => c.consumerId.startsWith(`${VIEWER}>`))).toHaveLength(2);
  });

  it('whoever leaves hands the place to the next speaker; a room back to its size hears everyone', async () => {
    const { ops, socket, hears, leave } = loudest();
    await ops.consumersCreated(socket('me').data.session!, [mic('me', 'a')]);
    await ops.speakerChanged(ROOM.tenantId, ROOM.roomId, 'c');
    await ops.speakerChanged(ROOM.tenantId, ROOM.roomId, 'd');
    await leave('d'); // four left, still above three: the speaker before d is heard again
    expect(['me', 'a', 'b', 'c'].map((id) => [id, hears(id)])).toEqual([
      ['me', ['c']],
      ['a', ['c']],
      ['b', ['c']],
      ['c', []],
    ]);
    await leave('c'); // three: everyone again
    expect(['me', 'a', 'b'].map((id) => [id, hears(id).length])).toEqual([
      ['me', 4],
      ['a', 4],
      ['b', 4],
    ]);
  });

  it('a voice loud on its node but not heard becomes the room’s speaker; one heard already changes nothing', async () => {
    const { ops, sent, socket, hears } = loudest();
    await ops.consumersCreated(socket('me').data.session!, [mic('me', 'a')]);
    await ops.speakerChanged(ROOM.tenantId, ROOM.roomId, 'c');
    await ops.audioLevels(ROOM.tenantId, ROOM.roomId, [
      { participantId: 'c', volume: -40 },
      { participantId: 'd', volume: -20 },
    ]);
    expect(['me', 'c', 'd'].map((id) => [id, hears(id)])).toEqual([
      ['me', ['d']],
      ['c', ['d']],
      ['d', []],
    ]);
    sent.length = 0;
    await ops.audioLevels(ROOM.tenantId, ROOM.roomId, [{ participantId: 'd', volume: -20 }]);
    await ops.audioLevels(ROOM.tenantId, ROOM.roomId, [{ participantId: 'b', volume: -65 }]);
    expect(sent).toEqual([]);
  });

  it('a room up to its size leaves audio alone', async () => {
    const { ops, sent, socket, leave } = world(
      undefined,
      new AudioPlanner({ above: 5, loudest: 1 }),
    );
    await ops.consumersCreated(socket('me').data.session!, [mic('me', 'a')]);
    await ops.speakerChanged(ROOM.tenantId, ROOM.roomId, 'c');
    await ops.audioLevels(ROOM.tenantId, ROOM.roomId, [{ participantId: 'b', volume: -10 }]);
    await leave('d');
    expect(sent).toEqual([]);
  });
});

describe('ViewOperations: dynacast', () => {
  it('tells a publisher the one layer every view asks of its camera, and nothing of the others', async () => {
    const { ops, told, socket } = world();
    for (const viewer of ['me', 'b', 'c', 'd', VIEWER])
      await ops.setView(socket(viewer), { visible: [tile('a', 100)], lastN: 1 });
    // a's camera: the lowest layer only. The others' cameras: a, without a view, still wants
    // them all at the top, as their publishers send them (nothing to tell).
    await ops.layersSettled();
    expect(told).toEqual([{ participantId: 'a', producerId: 'a-cam', max: 0 }]);
  });

  it('tells the publisher at once when one viewer enlarges the tile, and again when it leaves', async () => {
    const { ops, told, socket, leave } = world();
    for (const viewer of ['me', 'b', 'c', 'd', VIEWER])
      await ops.setView(socket(viewer), { visible: [tile('a', 100)], lastN: 1 });
    await ops.layersSettled();
    told.length = 0;
    await ops.setView(socket('c'), { visible: [tile('a', 720)], lastN: 1 });
    await ops.layersSettled();
    expect(told).toEqual([{ participantId: 'a', producerId: 'a-cam', max: 2 }]);
    await ops.setView(socket('d'), { visible: [tile('a', 100)], lastN: 1 }); // no change
    await ops.layersSettled();
    expect(told).toHaveLength(1);
    await leave('c');
    await ops.layersSettled();
    expect(told.filter((t) => t.producerId === 'a-cam').at(-1)).toEqual({
      participantId: 'a',
      producerId: 'a-cam',
      max: 0,
    });
  });

  it('tells a publisher that nobody wants its camera, and tells it again after a resume', async () => {
    const { ops, told, socket } = world();
    for (const viewer of ['me', 'a', 'c', 'd', VIEWER])
      await ops.setView(socket(viewer), { visible: [tile('a', 100)], lastN: 1 });
    // Everyone has a view now, and no view shows b (a's names itself, which it never receives).
    await ops.layersSettled();
    expect(told.filter((t) => t.producerId === 'b-cam').at(-1)?.max).toBeNull();
    await ops.layersSettled();
    told.length = 0;
    await ops.resumed({ ...ROOM, participantId: 'b' });
    await ops.layersSettled();
    expect(told).toEqual([{ participantId: 'b', producerId: 'b-cam', max: null }]);
  });

  it('follows the speakers: a speaker entering views at the lowest layer is wanted again', async () => {
    const { ops, told, socket } = world();
    for (const viewer of ['me', 'a', 'c', 'd', VIEWER])
      await ops.setView(socket(viewer), { visible: [tile('c', 100)], lastN: 2 });
    await ops.layersSettled();
    expect(told.filter((t) => t.producerId === 'b-cam').at(-1)?.max).toBeNull();
    await ops.speakerChanged(ROOM.tenantId, ROOM.roomId, 'b');
    await ops.layersSettled();
    expect(told.at(-1)).toEqual({ participantId: 'b', producerId: 'b-cam', max: 0 });
  });

  it('works a burst of changes of a room out once, a moment later', async () => {
    const { ops, told, swaps, socket } = world({ perSecond: 10, burst: 10 }, undefined, 20);
    await Promise.all(
      ['me', 'b', 'c', 'd', VIEWER].map((viewer) =>
        ops.setView(socket(viewer), { visible: [tile('a', 100)], lastN: 1 }),
      ),
    );
    expect(swaps.count).toBe(0);
    await ops.layersSettled();
    expect(swaps.count).toBe(1);
    expect(told).toEqual([{ participantId: 'a', producerId: 'a-cam', max: 0 }]);
  });

  it('waits before it tells a publisher to send less, and tells it at once to send more', async () => {
    const { ops, told, socket, advance } = world(
      { perSecond: 100, burst: 100 },
      undefined,
      0,
      10_000,
    );
    const everyone = ['me', 'a', 'b', 'c', 'd', VIEWER];
    const show = (viewer: string, height: number) =>
      ops.setView(socket(viewer), { visible: [tile('a', height)], lastN: 1 });
    const settled = async () => {
      await ops.layersSettled();
      const said = told.splice(0).map((t) => `${t.producerId}:${t.max}`);
      return said.sort();
    };
    for (const viewer of everyone) await show(viewer, 720);
    // Nobody shows b, c, d or me: their cameras are held on for now.
    expect(await settled()).toEqual([]);
    advance(5_000);
    for (const viewer of everyone) await show(viewer, 100);
    expect(await settled()).toEqual([]);
    advance(5_000);
    await show('me', 100); // the room's next change works its layers out again
    // b, c, d and me unwanted for 10 s: told; a's camera small for 5 s only: still sent whole.
    expect(await settled()).toEqual(['b-cam:null', 'c-cam:null', 'd-cam:null', 'me-cam:null']);
    // Wanted large again before its time: a's publisher never stopped, and hears nothing.
    await show('c', 720);
    expect(await settled()).toEqual([]);
    advance(20_000);
    await show('c', 100);
    expect(await settled()).toEqual([]);
    advance(10_000);
    await show('me', 100);
    expect(await settled()).toEqual(['a-cam:0']);
    // Raising is told at once.
    await show('c', 720);
    expect(await settled()).toEqual(['a-cam:2']);
  });

  it("works the layers out without reading a webinar viewer's session", async () => {
    const { ops, told, reads, socket } = world();
    for (const viewer of ['me', 'a', 'b', 'c', 'd', VIEWER])
      await ops.setView(socket(viewer), { visible: [tile('a', 100)], lastN: 1 });
    await ops.layersSettled();
    reads.length = 0;
    told.length = 0;
    await ops.setView(socket(VIEWER), { visible: [tile('b', 720)], lastN: 1 });
    reads.length = 0; // the view's own application reads the viewer's session
    await ops.layersSettled();
    expect(reads).not.toContain(VIEWER);
    expect(reads.sort()).toEqual(['a', 'b', 'c', 'd', 'me']);
    // The viewer counts all the same: b's camera, wanted by nobody until now, is wanted at the top.
    expect(told).toEqual([{ participantId: 'b', producerId: 'b-cam', max: 2 }]);
  });

  it("counts a webinar viewer's view: a camera it alone shows large is wanted at the top", async () => {
    const { ops, told, socket } = world();
    for (const viewer of ['me', 'b', 'c', 'd'])
      await ops.setView(socket(viewer), { visible: [tile('a', 100)], lastN: 1 });
    await ops.setView(socket(VIEWER), { visible: [tile('a', 720)], lastN: 1 });
    await ops.layersSettled();
    // The speakers ask a's camera small; the viewer, in no roster, asks it large.
    expect(told.filter((t) => t.producerId === 'a-cam')).toEqual([]);
    await ops.setView(socket(VIEWER), { visible: [tile('a', 100)], lastN: 1 });
    await ops.layersSettled();
    expect(told.filter((t) => t.producerId === 'a-cam')).toEqual([
      { participantId: 'a', producerId: 'a-cam', max: 0 },
    ]);
  });
});
