import { CascadeError, ERROR_CODES, ErrorEnvelope, HTTP_STATUS_BY_CODE } from './errors';
import { errorReply, okReply, replySchema, unwrapReply } from './reply';
import { z } from 'zod';

describe('error envelope', () => {
  it('round-trips a CascadeError through its envelope', () => {
    const original = new CascadeError('ROOM_FULL', 'room is full', { capacity: 50 });
    const envelope = ErrorEnvelope.parse(JSON.parse(JSON.stringify(original.toEnvelope())));
    const back = CascadeError.fromEnvelope(envelope);
    expect(back).toBeInstanceOf(CascadeError);
    expect(back.code).toBe('ROOM_FULL');
    expect(back.message).toBe('room is full');
    expect(back.details).toEqual({ capacity: 50 });
    expect(back.httpStatus).toBe(409);
  });

  it('turns an unknown error into INTERNAL without leaking its message', () => {
    expect(CascadeError.toEnvelope(new Error('password=hunter2'))).toEqual({
      code: 'INTERNAL',
      message: 'internal error',
    });
  });

  it('rejects a code outside the closed list', () => {
    expect(ErrorEnvelope.safeParse({ code: 'TEAPOT', message: 'x' }).success).toBe(false);
  });

  it('maps every code to an HTTP status', () => {
    for (const code of ERROR_CODES) expect(HTTP_STATUS_BY_CODE[code]).toBeGreaterThanOrEqual(400);
  });
});

describe('replies', () => {
  const Schema = replySchema(z.object({ id: z.string() }));

  it('unwraps a successful reply to its data', () => {
    const reply = Schema.parse(okReply({ id: 'p1' }));
    expect(unwrapReply(reply)).toEqual({ id: 'p1' });
  });

  it('throws the error of a failed reply as a CascadeError', () => {
    const reply = Schema.parse(errorReply(new CascadeError('NOT_FOUND', 'no such room')));
    expect(() => unwrapReply(reply)).toThrow(
      expect.objectContaining({ code: 'NOT_FOUND', message: 'no such room' }),
    );
  });
});
