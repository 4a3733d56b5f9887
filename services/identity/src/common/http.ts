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
