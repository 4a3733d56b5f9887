import { z } from 'zod';

/** A moment as an ISO 8601 string in UTC (`2025-01-31T12:00:00.000Z`). */
export const Timestamp = z.iso.datetime({ offset: true });

/**
 * A language as a BCP 47 tag (`en`, `pt-BR`, `zh-Hant-TW`), given back in its canonical form
 * (`en-us` becomes `en-US`).
 */
export const LanguageTag = z
  .string()
  .min(2)
  .max(35)
  .transform((tag, ctx) => {
    try {
      const [canonical] = Intl.getCanonicalLocales(tag);
      if (canonical) return canonical;
    } catch {
      // reported below
    }
    ctx.addIssue({ code: 'custom', message: 'must be a BCP 47 language tag such as en or pt-BR' });
    return z.NEVER;
  });

/** An opaque pagination cursor: hand back what a page returned as `nextCursor`. */
export const PageCursor = z.string().min(1).max(512);

/** Page size of a paginated list. Query strings carry it as text. */
export const PageLimit = z.coerce.number().int().min(1).max(100).default(20);
