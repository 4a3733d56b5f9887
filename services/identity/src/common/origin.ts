import { CascadeError } from '@cascade/contracts';
import type { Request } from 'express';

/**
 * Refuses a request that acts on the session cookie when a browser sent it from a page outside
 * the web app's origins (`IDENTITY_PUBLIC_ORIGINS`): a foreign page cannot refresh or end a
 * signed-in user's session. Browsers send `Origin` on every POST, same-origin included (and
 * `null` from sandboxed or privacy-stripped contexts, which is refused too). A request without
 * `Origin` does not come from a browser page (curl, a server): it cannot carry a victim's cookie
 * on a foreign page's behalf, so it is let through.
 */
export function checkOrigin(req: Request, allowed: readonly string[], what: string): void {
  const origin = req.headers.origin;
  if (origin === undefined) return;
  if (allowed.includes(origin)) return;
  throw new CascadeError(
    'FORBIDDEN',
    `${what} is not allowed from origin ${origin.slice(0, 200)}`,
    {
      origin: origin.slice(0, 200),
    },
  );
}
