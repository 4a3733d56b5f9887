import { z } from 'zod';

import { CascadeError, ErrorEnvelope } from './errors';

/**
 * The reply to every NATS request: either the result or the error envelope, never a bare value
 * and never a transport-level exception, so the caller always learns what went wrong.
 */
export function replySchema<T extends z.ZodType>(data: T) {
  // Built once per result schema: callers ask for it on every request, and a fresh schema is
  // compiled again by zod on its first parse (a few % of a busy gateway's CPU).
  const cached = replySchemas.get(data) as ReplySchema<T> | undefined;
  if (cached) return cached;
  const schema = buildReplySchema(data);
  replySchemas.set(data, schema);
  return schema;
}

function buildReplySchema<T extends z.ZodType>(data: T) {
  return z.discriminatedUnion('ok', [
    z.object({ ok: z.literal(true), data }),
    z.object({ ok: z.literal(false), error: ErrorEnvelope }),
  ]);
}

type ReplySchema<T extends z.ZodType> = ReturnType<typeof buildReplySchema<T>>;
const replySchemas = new WeakMap<z.ZodType, unknown>();

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
