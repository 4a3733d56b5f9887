import { CascadeError } from '@cascade/contracts';
import { NotFoundError, UnsupportedError, WorkerClosedError } from 'mediasoup/errors';

import { toCascadeError } from './media-errors';

describe('toCascadeError', () => {
  it.each([
    [new TypeError('missing rtpParameters'), 'INVALID_ARGUMENT'],
    [new UnsupportedError('unsupported codec'), 'INVALID_ARGUMENT'],
    [
      new WorkerClosedError('Channel closed, cannot send request [method:transport.produce]'),
      'CONFLICT',
    ],
    [new NotFoundError('Producer with id "p1" not found'), 'NOT_FOUND'],
    [
      new Error('MID already exists in RTP listener [mid:0] [method:transport.produce]'),
      'INVALID_ARGUMENT',
    ],
  ])('maps %s to %s with its message', (error, code) => {
    const mapped = toCascadeError(error);
    expect(mapped).toBeInstanceOf(CascadeError);
    expect(mapped).toMatchObject({ code, message: error.message });
  });

  it('maps a refusal that mediasoup 3.2x made from the worker’s answer to INVALID_ARGUMENT', () => {
    // What mediasoup's Channel does with a refused request (worker's reason, no method name).
    class Channel {
      processResponse(reason: string): Error {
        return new Error(reason);
      }
    }
    const error = new Channel().processResponse('MID already exists in RTP listener [mid:0]');
    expect(toCascadeError(error)).toMatchObject({
      code: 'INVALID_ARGUMENT',
      message: error.message,
    });
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
