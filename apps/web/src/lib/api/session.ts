import { type Profile, WebSession } from '@cascade/contracts';

import { readError } from './errors';

/** Identity's paths as the browser sees them (the proxy strips `/api/identity`). */
export const IDENTITY_BASE = '/api/identity';

export type SessionStatus = 'unknown' | 'signedIn' | 'signedOut';

export interface SessionSnapshot {
  status: SessionStatus;
  user: Profile | null;
}

type Fetch = typeof fetch;

/**
 * The browser's sign-in session. The access token lives only in this object's memory; the
 * refresh token only in identity's HttpOnly cookie, which this object never sees. A refresh is
 * single-flight: however many requests find their token expired at once, one `POST
 * /auth/refresh` runs and all of them wait for it.
 */
export class SessionManager {
  #accessToken: string | null = null;
  #expiresAt = 0;
  #snapshot: SessionSnapshot = { status: 'unknown', user: null };
  #refreshing: Promise<string | null> | null = null;
  readonly #listeners = new Set<() => void>();

  constructor(
    private readonly fetchImpl: Fetch = (...args) => fetch(...args),
    private readonly now: () => number = Date.now,
  ) {}

  /** For `useSyncExternalStore`. */
  readonly subscribe = (listener: () => void): (() => void) => {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  };

  readonly getSnapshot = (): SessionSnapshot => this.#snapshot;

  get user(): Profile | null {
    return this.#snapshot.user;
  }

  /** A session answered by sign-in or refresh. */
  accept(session: WebSession): void {
    this.#accessToken = session.accessToken;
    // Renew a little early so that a request never leaves with a token about to expire.
    this.#expiresAt = this.now() + Math.max(0, session.expiresIn - 30) * 1000;
    this.#set({ status: 'signedIn', user: session.user });
  }

  /** The profile changed (PATCH /me). */
  updateUser(user: Profile): void {
    if (this.#snapshot.status === 'signedIn') this.#set({ status: 'signedIn', user });
  }

  /** A valid access token: the one in memory, or a refreshed one; null when signed out. */
  async accessToken(): Promise<string | null> {
    if (this.#accessToken !== null && this.now() < this.#expiresAt) return this.#accessToken;
    return this.refresh();
  }

  /**
   * Trades the refresh cookie for a new access token. Concurrent callers share one request;
   * a refusal signs the session out (the caller sends the user to sign-in).
   */
  refresh(): Promise<string | null> {
    this.#refreshing ??= this.#refresh().finally(() => {
      this.#refreshing = null;
    });
    return this.#refreshing;
  }

  /** Ends the session on identity (clears the cookie) and here. */
  async signOut(): Promise<void> {
    try {
      await this.#cookieRequest('logout');
    } finally {
      this.expire();
    }
  }

  /** Forgets the access token (refresh failed, signed out). */
  expire(): void {
    this.#accessToken = null;
    this.#expiresAt = 0;
    this.#set({ status: 'signedOut', user: null });
  }

  async #refresh(): Promise<string | null> {
    let response: Response;
    try {
      response = await this.#cookieRequest('refresh');
    } catch (error) {
      // Offline or the server is away: keep the state, let the caller show the error.
      if (this.#snapshot.status === 'unknown') this.expire();
      throw error;
    }
    if (!response.ok) {
      const error = await readError(response);
      if (error.code === 'UNAUTHENTICATED' || error.code === 'INVALID_ARGUMENT') {
        this.expire();
        return null;
      }
      if (this.#snapshot.status === 'unknown') this.expire();
      throw error;
    }
    const session = WebSession.parse(await response.json());
    this.accept(session);
    return session.accessToken;
  }

  /** `POST /auth/refresh` or `/auth/logout` on the session cookie (JSON, as identity requires). */
  #cookieRequest(action: 'refresh' | 'logout'): Promise<Response> {
    return this.fetchImpl(`${IDENTITY_BASE}/auth/${action}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ delivery: 'cookie' }),
      credentials: 'same-origin',
    });
  }

  #set(snapshot: SessionSnapshot): void {
    this.#snapshot = snapshot;
    for (const listener of this.#listeners) listener();
  }
}
