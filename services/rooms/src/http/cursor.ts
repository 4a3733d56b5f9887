import { CascadeError } from '@cascade/contracts';
import { z } from 'zod';

/**
 * Opaque pagination cursors: the sort key of the last item of a page, as base64url JSON. A
 * cursor that does not decode to the expected key is `INVALID_ARGUMENT` on `cursor`.
 */
export function encodeCursor(key: Record<string, string>): string {
  return Buffer.from(JSON.stringify(key)).toString('base64url');
}

export function decodeCursor<S extends z.ZodType>(schema: S, cursor: string): z.output<S> {
  let value: unknown;
  try {
    value = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    value = undefined;
  }
  const result = schema.safeParse(value);
  if (!result.success) {
    throw new CascadeError('INVALID_ARGUMENT', 'invalid cursor: pass back a nextCursor as given', {
      issues: [{ path: 'cursor', message: 'is not a cursor this list produced' }],
    });
  }
  return result.data;
}

/** The key of lists ordered newest first: a moment (ISO) and an id to break ties. */
export const TimeIdCursor = z
  .object({ t: z.iso.datetime(), id: z.string().min(1).max(64) })
  .strict();
export type TimeIdCursor = z.infer<typeof TimeIdCursor>;

export const timeIdCursor = (at: Date, id: string) => encodeCursor({ t: at.toISOString(), id });
