import { type z } from 'zod';

import { CascadeError, type FieldIssue } from './errors';

/** `['a', 'b', 2, 'c']` → `a.b[2].c`; the root is the empty string. */
export function formatPath(path: ReadonlyArray<PropertyKey>): string {
  let out = '';
  for (const key of path) {
    if (typeof key === 'number') out += `[${key}]`;
    else out += out === '' ? String(key) : `.${String(key)}`;
  }
  return out;
}

export function toFieldIssues(error: z.ZodError): FieldIssue[] {
  return error.issues.map((issue) => ({ path: formatPath(issue.path), message: issue.message }));
}

/**
 * Validates `input` against `schema`. On failure throws `INVALID_ARGUMENT` whose message names
 * every failing field and whose `details.issues` lists them with their paths.
 *
 * @param what names the thing being validated in the message (`join request`, `heartbeat`).
 */
export function parseOrThrow<S extends z.ZodType>(
  schema: S,
  input: unknown,
  what = 'payload',
): z.output<S> {
  const result = schema.safeParse(input);
  if (result.success) return result.data;
  throw invalidArgument(what, result.error);
}

export type ParseResult<T> = { ok: true; value: T } | { ok: false; error: CascadeError };

/** Like {@link parseOrThrow}, but returns the error instead of throwing it. */
export function parseResult<S extends z.ZodType>(
  schema: S,
  input: unknown,
  what = 'payload',
): ParseResult<z.output<S>> {
  const result = schema.safeParse(input);
  return result.success
    ? { ok: true, value: result.data }
    : { ok: false, error: invalidArgument(what, result.error) };
}

function invalidArgument(what: string, error: z.ZodError): CascadeError {
  const issues = toFieldIssues(error);
  const summary = issues
    .slice(0, 5)
    .map((i) => (i.path === '' ? i.message : `${i.path}: ${i.message}`))
    .join('; ');
  const more = issues.length > 5 ? ` (and ${issues.length - 5} more)` : '';
  return new CascadeError('INVALID_ARGUMENT', `invalid ${what}: ${summary}${more}`, { issues });
}
