import { IncomingMessage, ServerResponse } from 'node:http';
import { Socket } from 'node:net';

import { requestIdFor } from './logging';

function exchange(headers: Record<string, string>) {
  const req = new IncomingMessage(new Socket());
  req.headers = headers;
  const res = new ServerResponse(req);
  return { req, res };
}

describe('request ids', () => {
  it('keeps a sane id sent by the caller and echoes it', () => {
    const { req, res } = exchange({ 'x-request-id': 'trace-42.a:b' });
    expect(requestIdFor(req, res)).toBe('trace-42.a:b');
    expect(res.getHeader('x-request-id')).toBe('trace-42.a:b');
  });

  it.each(['', 'has spaces', 'x'.repeat(200), 'inject\nline'])(
    'replaces %j with a fresh id',
    (bad) => {
      const { req, res } = exchange({ 'x-request-id': bad });
      const id = requestIdFor(req, res);
      expect(id).toMatch(/^[0-9a-f-]{36}$/);
      expect(res.getHeader('x-request-id')).toBe(id);
    },
  );
});
