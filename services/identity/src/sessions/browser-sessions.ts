import {
  CascadeError,
  type SessionTokens,
  type WebSession,
  isCascadeError,
} from '@cascade/contracts';
import type { Request, Response } from 'express';

import { RefreshCookie } from './refresh-cookie';
import { Sessions } from './sessions';

/** A session without its refresh token, which went into the cookie. */
export function toWebSession({
  refreshToken: _refreshToken,
  ...session
}: SessionTokens): WebSession {
  return session;
}

/**
 * Sessions delivered to a browser (`delivery: 'cookie'`): the refresh token lives in the HttpOnly
 * cookie, set on sign-in and on each refresh, read back by refresh and logout, and cleared when
 * it no longer names a live session. The HTTP side of {@link Sessions}; nothing else.
 */
export class BrowserSessions {
  constructor(
    private readonly sessions: Sessions,
    private readonly cookie: RefreshCookie,
  ) {}

  /** Sets the cookie of a new session; answers the rest of it. */
  deliver(req: Request, res: Response, tokens: SessionTokens): WebSession {
    res.append('Set-Cookie', this.cookie.set(tokens.refreshToken, req.headers.host));
    return toWebSession(tokens);
  }

  /**
   * Rotates the cookie's refresh token. When it is missing, unknown, expired or reused, the
   * answer is UNAUTHENTICATED and the cookie is cleared, so the browser stops sending it.
   */
  async refresh(req: Request, res: Response): Promise<WebSession> {
    try {
      const token = this.cookie.read(req.headers.cookie);
      if (token === undefined) {
        throw new CascadeError('UNAUTHENTICATED', 'no session cookie; sign in again');
      }
      return this.deliver(req, res, await this.sessions.refresh(token));
    } catch (error) {
      if (isCascadeError(error) && error.code === 'UNAUTHENTICATED') this.#clear(req, res);
      throw error;
    }
  }

  /** Ends the cookie's session, if any, and clears the cookie: signed out either way. */
  async logout(req: Request, res: Response): Promise<void> {
    const token = this.cookie.read(req.headers.cookie);
    if (token !== undefined) await this.sessions.end(token);
    this.#clear(req, res);
  }

  #clear(req: Request, res: Response): void {
    res.append('Set-Cookie', this.cookie.clear(req.headers.host));
  }
}
