import { CascadeError } from '@cascade/contracts';

import { TimeIdCursor, decodeCursor, timeIdCursor } from './cursor';

describe('cursors', () => {
  it('round-trips the sort key of the last item', () => {
    const at = new Date('2025-01-02T03:04:05.678Z');
    expect(decodeCursor(TimeIdCursor, timeIdCursor(at, 'abc'))).toEqual({
      t: '2025-01-02T03:04:05.678Z',
      id: 'abc',
    });
  });

  it.each([
    'not-base64!',
    Buffer.from('[1]').toString('base64url'),
    Buffer.from('{"t":"x","id":"a"}').toString('base64url'),
  ])('refuses %j as INVALID_ARGUMENT on cursor', (cursor) => {
    let error: unknown;
    try {
      decodeCursor(TimeIdCursor, cursor);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(CascadeError);
    expect((error as CascadeError).details).toEqual({
      issues: [expect.objectContaining({ path: 'cursor' })],
    });
  });
});
