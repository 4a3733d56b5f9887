import { describe, expect, it } from 'vitest';

import { type TileInput, layoutTiles, tilesPerPage } from './tiles';

const person = (id: string, joinedAt: number, extra: Partial<TileInput> = {}): TileInput => ({
  participantId: id,
  displayName: id,
  isSelf: false,
  joinedAt,
  hasScreen: false,
  ...extra,
});

const room = (n: number) => [
  person('me', 0, { isSelf: true }),
  ...Array.from({ length: n - 1 }, (_, i) => person(`p${i + 1}`, i + 1)),
];

describe('grid tiles', () => {
  it('shows me first, then everyone in the order they joined', () => {
    const layout = layoutTiles({ participants: room(4).reverse(), perPage: 25, page: 0 });
    expect(layout.tiles.map((t) => t.participantId)).toEqual(['me', 'p1', 'p2', 'p3']);
    expect(layout.pageCount).toBe(1);
  });

  it('pages a room larger than a page and clamps the page number', () => {
    const layout = layoutTiles({ participants: room(30), perPage: 25, page: 7 });
    expect(layout.page).toBe(1);
    expect(layout.pageCount).toBe(2);
    expect(layout.tiles.map((t) => t.participantId)).toEqual(['p25', 'p26', 'p27', 'p28', 'p29']);
  });

  it('brings the active speaker from a later page onto the first', () => {
    const layout = layoutTiles({
      participants: room(30),
      perPage: 25,
      page: 0,
      activeSpeakerId: 'p28',
    });
    expect(layout.tiles[0]?.participantId).toBe('p28');
    expect(layout.visibleParticipantIds).toContain('p28');
    expect(layout.visibleParticipantIds).toHaveLength(25);
  });

  it('puts the pinned participant before the speaker, and a screen share before both', () => {
    const participants = room(5).map((p) =>
      p.participantId === 'p2' ? { ...p, hasScreen: true } : p,
    );
    const layout = layoutTiles({
      participants,
      perPage: 25,
      page: 0,
      activeSpeakerId: 'p3',
      pinnedId: 'p4',
    });
    expect(layout.tiles.map((t) => t.key)).toEqual([
      'screen:p2',
      'camera:p4',
      'camera:p3',
      'camera:me',
      'camera:p1',
      'camera:p2',
    ]);
  });

  it('hides my own tile when asked', () => {
    const layout = layoutTiles({ participants: room(3), perPage: 25, page: 0, hideSelf: true });
    expect(layout.visibleParticipantIds).toEqual(['p1', 'p2']);
  });

  it('fits fewer tiles on a phone than on a desktop', () => {
    expect(tilesPerPage(375)).toBeLessThan(tilesPerPage(1440));
    expect(tilesPerPage(1440)).toBe(25);
  });
});
