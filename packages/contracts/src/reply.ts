import { z } from 'zod';

import { CascadeError, ErrorEnvelope } from './errors';

/**
 * The reply to every NATS request: either the result or the error envelope, never a bare value
 * and never a transport-level exception, so the caller always learns what went wrong.
 */
export function replySchema<T extends z.ZodType>(data: T) {
  return z.discriminatedUnion('ok', [
    z.object({ ok: z.literal(true), data }),
    z.object({ ok: z.literal(false), error: ErrorEnvelope }),
  ]);
}

export type Reply<T> = { ok: true; data: T } | { ok: false; error: ErrorEnvelope };

export function okReply<T>(data: T): Reply<T> {
  return { ok: true, data };
}

export function errorReply(error: unknown): Reply<never> {
  return { ok: false, error: CascadeError.toEnvelope(error) };
}

/** The data of a reply, or its error thrown as a {@link CascadeError}. */
export function unwrapReply<T>(reply: Reply<T>): T {
  if (reply.ok) return reply.data;
  throw CascadeError.fromEnvelope(reply.error);
}
