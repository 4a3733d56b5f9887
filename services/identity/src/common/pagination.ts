import { CascadeError, type Page } from '@cascade/contracts';

/** Cursors are opaque to clients: the base64url of the last item's sort key. */
export function encodeCursor(key: string): string {
  return Buffer.from(key, 'utf8').toString('base64url');
}

export function decodeCursor(cursor: string | undefined): string | undefined {
  if (cursor === undefined) return undefined;
  const key = Buffer.from(cursor, 'base64url').toString('utf8');
  if (key.length === 0 || !/^[A-Za-z0-9_-]{1,64}$/.test(key)) {
    throw new CascadeError('INVALID_ARGUMENT', 'invalid cursor', {
      issues: [{ path: 'cursor', message: 'is not a cursor from a previous page' }],
    });
  }
  return key;
}

/**
 * Makes a page from rows fetched with `take: limit + 1`: the extra row only tells whether there
 * is a next page.
 */
export function toPage<R, T>(
  rows: R[],
  limit: number,
  key: (row: R) => string,
  map: (row: R) => T,
): Page<T> {
  const items = rows.slice(0, limit);
  const last = items[items.length - 1];
  return {
    items: items.map(map),
    nextCursor: rows.length > limit && last !== undefined ? encodeCursor(key(last)) : null,
  };
}
