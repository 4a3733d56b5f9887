import type { ClientView } from '@cascade/contracts';

import { Dynacast, type DynacastInput, type DynacastViewer } from './dynacast';
import { type PlannedProducer, ViewPlanner } from './view-planner';

/** A camera and a microphone for each of `ids`. */
function publishing(...ids: string[]): PlannedProducer[] {
  return ids.flatMap((id) => [
    { producerId: `${id}-cam`, participantId: id, kind: 'video' as const },
    { producerId: `${id}-mic`, participantId: id, kind: 'audio' as const },
  ]);
}

/** A viewer consuming the camera and microphone of each of `of`. */
function viewer(participantId: string, of: string[], view?: ClientView): DynacastViewer {
  return {
    participantId,
    view,
    consumers: of.flatMap((id) => [
      { consumerId: `${participantId}>${id}-cam`, producerId: `${id}-cam` },
      { consumerId: `${participantId}>${id}-mic`, producerId: `${id}-mic` },
    ]),
  };
}

const small = (participantId: string) => ({ participantId, width: 160, height: 90 });
const medium = (participantId: string) => ({ participantId, width: 640, height: 360 });

const room = (viewers: DynacastViewer[], over: Partial<DynacastInput> = {}): DynacastInput => ({
  viewers,
  speakers: [],
  roster: ['pub', 'other', 'v1', 'v2'],
  producers: publishing('pub', 'other'),
  ...over,
});

describe('Dynacast', () => {
  const dynacast = new Dynacast(new ViewPlanner(3));

  it('wants of a camera the lowest layer when every viewer shows it small', () => {
    const wanted = dynacast.wanted(
      room([
        viewer('v1', ['pub'], { visible: [small('pub')], lastN: 3 }),
        viewer('v2', ['pub'], { visible: [small('pub')], lastN: 3 }),
      ]),
    );
    expect(wanted.get('pub-cam')).toBe(0);
  });

  it('wants the largest layer any viewer asks for, whichever node its consumer is on', () => {
    const wanted = dynacast.wanted(
      room([
        viewer('v1', ['pub'], { visible: [small('pub')], lastN: 3 }),
        viewer('v2', ['pub'], { visible: [medium('pub')], lastN: 3 }),
      ]),
    );
    expect(wanted.get('pub-cam')).toBe(1);
  });

  it('wants the top layer for a viewer without a view (no preference)', () => {
    const wanted = dynacast.wanted(
      room([viewer('v1', ['pub'], { visible: [small('pub')], lastN: 3 }), viewer('v2', ['pub'])]),
    );
    expect(wanted.get('pub-cam')).toBe(2);
  });

  it('wants nothing of a camera nobody consumes, or that every view leaves out', () => {
    const wanted = dynacast.wanted(
      room([
        viewer('v1', ['pub', 'other'], { visible: [small('other')], lastN: 1 }),
        viewer('v2', ['other']),
      ]),
    );
    expect(wanted.get('pub-cam')).toBeNull();
    expect(wanted.get('other-cam')).toBe(2);
    expect(wanted.has('pub-mic')).toBe(false); // audio is never simulcast
  });

  it('wants the lowest layer of a recent speaker that a view does not show', () => {
    const wanted = dynacast.wanted(
      room([viewer('v1', ['pub', 'other'], { visible: [medium('other')], lastN: 2 })], {
        speakers: ['pub'],
      }),
    );
    expect(wanted.get('pub-cam')).toBe(0);
    expect(wanted.get('other-cam')).toBe(1);
  });

  it('tells a publisher only what changed, and nothing of a producer still sending every layer', () => {
    const producers = publishing('pub', 'other');
    const previous = new Map([['pub-cam', 0]]);
    const next = new Map<string, number | null>([
      ['pub-cam', 2],
      ['other-cam', 2],
    ]);
    expect(dynacast.changes(previous, next, producers)).toEqual([
      { producerId: 'pub-cam', participantId: 'pub', maxSpatialLayer: 2 },
    ]);
    expect(
      dynacast.changes(
        next,
        new Map<string, number | null>([
          ['pub-cam', 2],
          ['other-cam', null],
        ]),
        producers,
      ),
    ).toEqual([{ producerId: 'other-cam', participantId: 'other', maxSpatialLayer: null }]);
    expect(dynacast.changes(next, next, producers)).toEqual([]);
  });
});
