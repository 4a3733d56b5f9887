import { layerForSize } from '@cascade/contracts';

import { type ChoiceInput, type PlannedProducer, ViewPlanner } from './view-planner';

/** A camera and a microphone for each of `ids`. */
function publishing(...ids: string[]): PlannedProducer[] {
  return ids.flatMap((id) => [
    { producerId: `${id}-cam`, participantId: id, kind: 'video' as const },
    { producerId: `${id}-mic`, participantId: id, kind: 'audio' as const },
  ]);
}

const base = (over: Partial<ChoiceInput> = {}): ChoiceInput => ({
  participantId: 'me',
  view: undefined,
  speakers: [],
  roster: ['me', 'a', 'b', 'c', 'd', 'e'],
  producers: publishing('me', 'a', 'b', 'c', 'd', 'e'),
  ...over,
});

const tile = (participantId: string, width: number, height: number) => ({
  participantId,
  width,
  height,
});

describe('layerForSize', () => {
  it('maps the drawn height (or a 16:9 picture as wide) to a simulcast layer', () => {
    expect(layerForSize(0, 0)).toBe(0);
    expect(layerForSize(320, 180)).toBe(0);
    expect(layerForSize(240, 181)).toBe(1);
    expect(layerForSize(640, 360)).toBe(1);
    expect(layerForSize(641, 100)).toBe(2); // a wide strip still shows a 16:9 picture that big
    expect(layerForSize(1280, 720)).toBe(2);
    expect(layerForSize(8192, 8192)).toBe(2);
  });
});

describe('ViewPlanner', () => {
  const planner = new ViewPlanner(3);

  it('lets the visible participants flow first, then recent speakers, up to lastN, with layers', () => {
    const choice = planner.choose(
      base({
        view: { visible: [tile('c', 640, 360), tile('a', 320, 180)], lastN: 3 },
        speakers: ['a', 'e', 'b'],
      }),
    );
    expect([...choice]).toEqual([
      ['c', 1],
      ['a', 0],
      ['e', 0], // a speaker off screen: the lowest layer
    ]);
  });

  it('stops at lastN even among the visible ones', () => {
    const choice = planner.choose(
      base({
        view: {
          visible: [tile('a', 1280, 720), tile('b', 1280, 720), tile('c', 10, 10)],
          lastN: 2,
        },
        speakers: ['d'],
      }),
    );
    expect([...choice.keys()]).toEqual(['a', 'b']);
  });

  it('counts only participants with video, never the viewer, each once', () => {
    const choice = planner.choose(
      base({
        view: {
          visible: [tile('me', 100, 100), tile('x', 100, 100), tile('b', 100, 100)],
          lastN: 3,
        },
        speakers: ['b', 'me', 'gone', 'a'],
        producers: [
          ...publishing('a', 'b', 'me'),
          { producerId: 'x-mic', participantId: 'x', kind: 'audio' },
        ],
      }),
    );
    expect([...choice.keys()]).toEqual(['b', 'a']);
  });

  it('without a view: recent speakers, then by joining, up to the default last-N, no layer', () => {
    const choice = planner.choose(base({ speakers: ['d'] }));
    expect([...choice]).toEqual([
      ['d', undefined],
      ['a', undefined],
      ['b', undefined],
    ]);
  });

  it('plans every video consumer, pausing those not chosen; audio is not its concern', () => {
    const producers = publishing('a', 'b');
    const choice = planner.choose(
      base({
        view: { visible: [tile('a', 640, 360)], lastN: 1 },
        producers,
        roster: ['me', 'a', 'b'],
      }),
    );
    const consumers = [
      { consumerId: 'ca', producerId: 'a-cam' },
      { consumerId: 'cb', producerId: 'b-cam' },
      { consumerId: 'cam', producerId: 'a-mic' },
      { consumerId: 'cx', producerId: 'closed-cam' },
    ];
    expect(planner.plan(choice, producers, consumers)).toEqual([
      { consumerId: 'ca', participantId: 'a', paused: false, spatialLayer: 1 },
      { consumerId: 'cb', participantId: 'b', paused: true },
    ]);
  });

  it('tells what changes: against a new consumer, and between two plans', () => {
    const a = { consumerId: 'ca', participantId: 'a', paused: false };
    const b = { consumerId: 'cb', participantId: 'b', paused: true };
    const c = { consumerId: 'cc', participantId: 'c', paused: false, spatialLayer: 2 };
    // A new consumer flows with no preference: only what differs is sent.
    expect(planner.changes(undefined, [a, b, c])).toEqual([b, c]);
    const later = [{ ...a, paused: true }, { ...b, paused: false, spatialLayer: 0 }, c];
    expect(planner.changes([a, b, c], later)).toEqual(later.slice(0, 2));
    expect(planner.changes(later, later)).toEqual([]);
  });

  it('knows when a speaker change changes nothing for a viewer', () => {
    const input = base({ view: { visible: [tile('a', 1, 1), tile('b', 1, 1)], lastN: 2 } });
    const before = planner.choose({ ...input, speakers: ['c'] });
    const after = planner.choose({ ...input, speakers: ['d', 'c'] });
    expect(ViewPlanner.same(before, after)).toBe(true);
    const wider = { ...input, view: { ...input.view!, lastN: 3 } };
    expect(
      ViewPlanner.same(
        planner.choose({ ...wider, speakers: ['c'] }),
        planner.choose({ ...wider, speakers: ['d', 'c'] }),
      ),
    ).toBe(false);
  });
});
