import { CascadeError } from '@cascade/contracts';
import type { Request } from 'express';

/** The credentials of the `Authorization` header: scheme (lower-cased) and value. */
export function authorization(req: Request): { scheme: string; value: string } | undefined {
  const header = req.headers.authorization;
  if (!header) return undefined;
  const match = /^([A-Za-z]+) +(\S+)$/.exec(header.trim());
  if (!match) throw new CascadeError('UNAUTHENTICATED', 'malformed Authorization header');
  return { scheme: (match[1] as string).toLowerCase(), value: match[2] as string };
}

export function clientIp(req: Request): string {
  return req.ip ?? req.socket.remoteAddress ?? 'unknown';
}

/**
 * Refuses a request whose body is not JSON. Requests that act on the session cookie must be JSON:
 * a cross-site HTML form can post a form or text, but not `application/json` without a CORS
 * preflight, so the browser cannot be made to send the cookie on another site's behalf.
 */
export function requireJsonBody(req: Request, what: string): void {
  const type = (req.headers['content-type'] ?? '').split(';')[0]?.trim().toLowerCase();
  if (type !== 'application/json') {
    throw new CascadeError(
      'INVALID_ARGUMENT',
      `${what} with delivery "cookie" must be sent as JSON (Content-Type: application/json)`,
      { issues: [{ path: 'delivery', message: 'needs a JSON request' }] },
    );
  }
}
