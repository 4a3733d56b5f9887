import { describe, expect, it } from 'vitest';

import type { Tile } from './tiles';
import { viewKey, viewOf } from './view-model';

const camera = (id: string): Tile => ({ kind: 'camera', key: `camera:${id}`, participantId: id });
const screen = (id: string): Tile => ({ kind: 'screen', key: `screen:${id}`, participantId: id });

describe('viewOf', () => {
  it('names the remote participants drawn, in page order, without self', () => {
    const view = viewOf(
      [camera('me'), camera('a'), camera('b')],
      new Map([
        ['camera:me', { width: 640, height: 360 }],
        ['camera:a', { width: 320.4, height: 180.2 }],
        ['camera:b', { width: 1280, height: 720 }],
      ]),
      'me',
    );
    expect(view).toEqual({
      visible: [
        { participantId: 'a', width: 320, height: 180 },
        { participantId: 'b', width: 1280, height: 720 },
      ],
      lastN: 2,
    });
  });

  it('sizes a sharer by the larger of its screen and camera tiles', () => {
    const view = viewOf(
      [screen('a'), camera('a')],
      new Map([
        ['screen:a', { width: 1200, height: 700 }],
        ['camera:a', { width: 200, height: 110 }],
      ]),
      'me',
    );
    expect(view.visible).toEqual([{ participantId: 'a', width: 1200, height: 700 }]);
  });

  it('counts an unmeasured tile as small and keeps lastN at least one', () => {
    expect(viewOf([camera('a')], new Map(), null).visible).toEqual([
      { participantId: 'a', width: 0, height: 0 },
    ]);
    expect(viewOf([camera('me')], new Map(), 'me')).toEqual({ visible: [], lastN: 1 });
  });
});

describe('viewKey', () => {
  it('changes with the layer, not with every pixel', () => {
    const at = (height: number) =>
      viewKey({ visible: [{ participantId: 'a', width: 0, height }], lastN: 1 });
    expect(at(100)).toBe(at(170));
    expect(at(100)).not.toBe(at(300));
    expect(at(300)).not.toBe(at(700));
  });

  it('changes with the order and the people', () => {
    const v = (ids: string[]) =>
      viewKey({
        visible: ids.map((participantId) => ({ participantId, width: 0, height: 0 })),
        lastN: ids.length,
      });
    expect(v(['a', 'b'])).not.toBe(v(['b', 'a']));
    expect(v(['a'])).not.toBe(v(['a', 'b']));
  });
});
