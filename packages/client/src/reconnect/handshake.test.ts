import { CascadeError, ERROR_CODES, type ErrorCode } from '@cascade/contracts';

import { connectFailure, judgeHandshakeFailure } from './handshake';

describe('connectFailure', () => {
  it("keeps the gateway's refusal from the connect_error data", () => {
    const error = Object.assign(new Error('refused'), {
      data: { code: 'UNSUPPORTED_PROTOCOL', message: 'protocol 9 is not served' },
    });
    expect(connectFailure('ws://gw', error)).toEqual(
      new CascadeError('UNSUPPORTED_PROTOCOL', 'protocol 9 is not served'),
    );
  });

  it('makes an unreachable gateway NODE_UNAVAILABLE and a slow one TIMEOUT', () => {
    expect(connectFailure('ws://gw', new Error('websocket error'))).toMatchObject({
      code: 'NODE_UNAVAILABLE',
      details: { url: 'ws://gw' },
    });
    expect(connectFailure('ws://gw', new Error('timeout')).code).toBe('TIMEOUT');
    expect(connectFailure('ws://gw', 'weird').code).toBe('NODE_UNAVAILABLE');
  });
});

describe('judgeHandshakeFailure', () => {
  const judge = (code: ErrorCode, sentResumeToken = false, refreshableToken = false) =>
    judgeHandshakeFailure(new CascadeError(code, 'x'), { sentResumeToken, refreshableToken });

  it.each([
    'NODE_UNAVAILABLE',
    'TIMEOUT',
    'RATE_LIMITED',
    'CAPACITY_EXHAUSTED',
    'INTERNAL',
  ] as const)('retries after %s', (code) => expect(judge(code)).toBe('retry'));

  it('retries a refused token only when a fresh one can be had', () => {
    expect(judge('UNAUTHENTICATED', true, true)).toBe('retry');
    expect(judge('UNAUTHENTICATED', true, false)).toBe('fatal');
  });

  it('goes on without the resume token once the session is gone', () => {
    expect(judge('NOT_FOUND', true)).toBe('retry-without-resume');
    expect(judge('NOT_FOUND', false)).toBe('fatal');
  });

  it('gives up on everything else', () => {
    const retried = new Set([
      'NODE_UNAVAILABLE',
      'TIMEOUT',
      'RATE_LIMITED',
      'CAPACITY_EXHAUSTED',
      'INTERNAL',
    ]);
    const rest = ERROR_CODES.filter(
      (c) => !retried.has(c) && c !== 'UNAUTHENTICATED' && c !== 'NOT_FOUND',
    );
    for (const code of rest) expect([code, judge(code, true, true)]).toEqual([code, 'fatal']);
  });
});
