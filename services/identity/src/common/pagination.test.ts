import { decodeCursor, encodeCursor, toPage } from './pagination';

describe('pagination', () => {
  const rows = ['a', 'b', 'c'];

  it('has a next page only when an extra row was fetched', () => {
    expect(
      toPage(
        rows,
        2,
        (r) => r,
        (r) => r.toUpperCase(),
      ),
    ).toEqual({
      items: ['A', 'B'],
      nextCursor: encodeCursor('b'),
    });
    expect(
      toPage(
        rows,
        3,
        (r) => r,
        (r) => r,
      ),
    ).toEqual({ items: rows, nextCursor: null });
    expect(
      toPage(
        [],
        3,
        (r: string) => r,
        (r) => r,
      ),
    ).toEqual({ items: [], nextCursor: null });
  });

  it('round-trips cursors and rejects foreign ones as INVALID_ARGUMENT on cursor', () => {
    expect(decodeCursor(encodeCursor('usr_1'))).toBe('usr_1');
    expect(decodeCursor(undefined)).toBeUndefined();
    expect(() => decodeCursor('***')).toThrow(
      expect.objectContaining({ code: 'INVALID_ARGUMENT' }),
    );
    expect(() => decodeCursor(encodeCursor("x' OR 1=1"))).toThrow(/invalid cursor/);
  });
});
