import { ReturnPath } from '@cascade/contracts';

/**
 * The page to open after sign-in, from `?next=`: only a path of this site (never another host,
 * never the sign-in page itself); the lobby otherwise.
 */
export function safeReturnPath(next: string | null | undefined): string {
  if (!next) return '/';
  const parsed = ReturnPath.safeParse(next);
  if (!parsed.success || parsed.data.startsWith('/sign-in')) return '/';
  return parsed.data;
}

/** The sign-in address that brings the user back to `path` afterwards. */
export function signInPathFor(path: string): string {
  const next = safeReturnPath(path);
  return next === '/' ? '/sign-in' : `/sign-in?next=${encodeURIComponent(next)}`;
}
