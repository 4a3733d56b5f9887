import { type CascadeLogger } from '../logger';
import { type TokenSource } from '../types';

export interface TokenRefresherOptions {
  /** Where fresh join tokens come from: only a function can give one. */
  token: TokenSource;
  /** Hands a fresh token to the gateway on the live connection (`session.refresh`). */
  send: (token: string) => Promise<unknown>;
  logger: CascadeLogger;
  now?: () => number;
  /** Delay before trying again after a refresh failed (ms, default 2000). */
  retryMs?: number;
}

/** Refresh this long before expiry: a quarter of the token's life, at most a minute. */
const MAX_LEAD_MS = 60_000;

/**
 * Keeps a room socket alive past its join token's expiry (the gateway ends a session whose token
 * expired): once the gateway accepted a token ({@link track}), a fresh one is fetched from the
 * application's token function a little before that token expires, and sent on the live
 * connection; and again before the fresh one expires, and so on. A failure (no connection, the
 * token function failing, the gateway refusing) is retried until the token expires. A fixed
 * token (a string) cannot be refreshed: the session then ends at its expiry.
 */
export class TokenRefresher {
  #timer: ReturnType<typeof setTimeout> | undefined;
  /** Expiry (ms) of the token the gateway holds now. */
  #expiresAt: number | undefined;
  #running = false;
  readonly #now: () => number;

  constructor(private readonly options: TokenRefresherOptions) {
    this.#now = options.now ?? Date.now;
  }

  /** The gateway accepted `token` (a handshake or a refresh): refresh it before it expires. */
  track(token: string | undefined): void {
    if (typeof this.options.token !== 'function' || token === undefined) return;
    const lifetime = tokenLifetime(token);
    if (!lifetime) return;
    this.#expiresAt = lifetime.expiresAt;
    const lead = Math.min(MAX_LEAD_MS, (lifetime.expiresAt - lifetime.issuedAt) / 4);
    this.#schedule(lifetime.expiresAt - lead - this.#now());
  }

  /** No more refreshes (the client left or was removed). */
  stop(): void {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#expiresAt = undefined;
  }

  #schedule(delayMs: number): void {
    clearTimeout(this.#timer);
    this.#timer = setTimeout(() => void this.#refresh(), Math.max(0, delayMs));
    // Never the reason a Node process stays up.
    (this.#timer as { unref?: () => void }).unref?.();
  }

  async #refresh(): Promise<void> {
    const source = this.options.token;
    const held = this.#expiresAt;
    if (typeof source !== 'function' || held === undefined || this.#running) return;
    this.#running = true;
    try {
      const token = await source();
      const expiresAt = tokenLifetime(token)?.expiresAt;
      if (expiresAt === undefined || expiresAt <= held)
        throw new Error('the token function gave no token that lives longer');
      await this.options.send(token);
      if (this.#expiresAt !== held) return; // stopped, or another token taken meanwhile
      this.options.logger.debug('join token refreshed', { expiresAt });
      this.track(token);
    } catch (error) {
      if (this.#expiresAt !== held) return;
      const retryMs = this.options.retryMs ?? 2_000;
      const left = held - this.#now();
      this.options.logger.warn('refreshing the join token failed', {
        error: String(error),
        expiresInMs: left,
      });
      if (left > 0) this.#schedule(Math.min(retryMs, left / 2));
    } finally {
      this.#running = false;
    }
  }
}

/** `iat` and `exp` of a JWT, in ms (read, not verified: the gateway verifies). */
export function tokenLifetime(token: string): { issuedAt: number; expiresAt: number } | undefined {
  const payload = token.split('.')[1];
  if (!payload) return undefined;
  try {
    const base64 = payload.replace(/-/g, '+').replace(/_/g, '/');
    const claims = JSON.parse(atob(base64.padEnd(Math.ceil(base64.length / 4) * 4, '='))) as {
      iat?: unknown;
      exp?: unknown;
    };
    if (typeof claims.exp !== 'number') return undefined;
    const issuedAt = typeof claims.iat === 'number' ? claims.iat : claims.exp - 60;
    return { issuedAt: issuedAt * 1000, expiresAt: claims.exp * 1000 };
  } catch {
    return undefined;
  }
}
