import { CascadeError } from '@cascade/contracts';

import { toCascadeError } from './media-errors';

const named = (name: string, message: string) => Object.assign(new Error(message), { name });

describe('toCascadeError', () => {
  it.each([
    [new TypeError('missing rtpParameters'), 'INVALID_ARGUMENT'],
    [named('UnsupportedError', 'unsupported codec'), 'INVALID_ARGUMENT'],
    [named('InvalidStateError', 'Transport closed'), 'CONFLICT'],
    [
      new Error('MID already exists in RTP listener [mid:0] [method:transport.produce]'),
      'INVALID_ARGUMENT',
    ],
  ])('maps %s to %s with its message', (error, code) => {
    const mapped = toCascadeError(error);
    expect(mapped).toBeInstanceOf(CascadeError);
    expect(mapped).toMatchObject({ code, message: error.message });
  });

  it('leaves other errors alone, so they stay internal', () => {
    const error = new Error('Channel closed');
    expect(toCascadeError(error)).toBe(error);
  });

  it('keeps a CascadeError as it is', () => {
    const error = new CascadeError('NOT_FOUND', 'no room');
    expect(toCascadeError(error)).toBe(error);
  });
});
