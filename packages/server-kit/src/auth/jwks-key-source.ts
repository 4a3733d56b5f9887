import { type PublicJwk, type VerificationKey, toVerificationKey } from './verification-key';

export interface JwksKeySourceOptions {
  /** Where the issuer publishes its keys (`https://identity/.well-known/jwks.json`). */
  url: string;
  /** Budget for one fetch. Default 3 s. */
  timeoutMs?: number;
  /** Keys older than this are fetched again (when a token needs them, or by `refreshIfDue`). Default 10 min. */
  maxAgeMs?: number;
  /** Least time between two fetch attempts of cached keys (unknown `kid`s, refreshes). Default 30 s. */
  minRefreshIntervalMs?: number;
  /** For tests: the clock (ms) and the HTTP client. */
  now?: () => number;
  fetch?: typeof fetch;
}

/** What a key source holds, for readiness and diagnostics. */
export interface JwksStatus {
  url: string;
  /** When the keys in use were fetched; undefined until the first fetch succeeds. */
  fetchedAt: number | undefined;
  keyCount: number;
  lastAttemptAt: number | undefined;
  /** Why the last attempt failed; undefined when it succeeded. */
  lastError: string | undefined;
}

/**
 * An issuer's published keys (a JWKS endpoint), cached: fetched when first needed, again when
 * they are older than `maxAgeMs` or a token names an unknown `kid` (at most once per
 * `minRefreshIntervalMs`). A failed fetch keeps the keys already cached. One source can serve
 * several verifiers (join and access tokens from the same issuer), and its status says how old
 * the keys are, which is what readiness is about (`jwksReadinessCheck`).
 */
export class JwksKeySource {
  readonly #url: string;
  readonly #timeoutMs: number;
  readonly #maxAgeMs: number;
  readonly #minRefreshIntervalMs: number;
  readonly #now: () => number;
  readonly #fetch: typeof fetch;
  #keys: VerificationKey[] = [];
  #fetchedAt: number | undefined;
  #lastAttemptAt: number | undefined;
  #lastError: string | undefined;
  #inflight: Promise<void> | undefined;

  constructor(options: JwksKeySourceOptions) {
    this.#url = options.url;
    this.#timeoutMs = options.timeoutMs ?? 3_000;
    this.#maxAgeMs = options.maxAgeMs ?? 10 * 60_000;
    this.#minRefreshIntervalMs = options.minRefreshIntervalMs ?? 30_000;
    this.#now = options.now ?? Date.now;
    this.#fetch = options.fetch ?? fetch;
  }

  get keys(): readonly VerificationKey[] {
    return this.#keys;
  }

  status(): JwksStatus {
    return {
      url: this.#url,
      fetchedAt: this.#fetchedAt,
      keyCount: this.#keys.length,
      lastAttemptAt: this.#lastAttemptAt,
      lastError: this.#lastError,
    };
  }

  /**
   * Makes the keys fit to verify a token naming `kid`: fetches them when there are none yet, and
   * again when they are stale or `kid` is unknown (rate-limited). Rejects only when there are no
   * keys at all after a failed fetch; otherwise the cached keys stay in use.
   */
  async prepareFor(kid: string | undefined): Promise<void> {
    const now = this.#now();
    if (this.#fetchedAt === undefined) return this.refresh();
    const stale = now - this.#fetchedAt > this.#maxAgeMs;
    const kidUnknown = kid !== undefined && !this.#keys.some((k) => k.kid === kid);
    if ((stale || kidUnknown) && this.#mayRefresh(now)) await this.refresh().catch(() => undefined);
  }

  /** Fetches the keys now (callers at the same time share one fetch); rejects when it fails. */
  refresh(): Promise<void> {
    this.#inflight ??= this.#fetchKeys().finally(() => (this.#inflight = undefined));
    return this.#inflight;
  }

  /**
   * Starts a refresh in the background when the keys are older than `maxAgeMs` (and the last
   * attempt is older than `minRefreshIntervalMs`), so that they stay fresh without a token
   * asking. Never waits and never rejects; says whether it started one.
   */
  refreshIfDue(): boolean {
    const now = this.#now();
    if (this.#inflight) return false;
    const due = this.#fetchedAt === undefined || now - this.#fetchedAt >= this.#maxAgeMs;
    if (!due || !this.#mayRefresh(now)) return false;
    this.refresh().catch(() => undefined); // recorded in lastError
    return true;
  }

  #mayRefresh(now: number): boolean {
    return (
      this.#lastAttemptAt === undefined || now - this.#lastAttemptAt >= this.#minRefreshIntervalMs
    );
  }

  async #fetchKeys(): Promise<void> {
    this.#lastAttemptAt = this.#now();
    try {
      this.#keys = await this.#download();
      this.#fetchedAt = this.#now();
      this.#lastError = undefined;
    } catch (error) {
      this.#lastError = error instanceof Error ? error.message : String(error);
      throw error;
    }
  }

  async #download(): Promise<VerificationKey[]> {
    const url = this.#url;
    const response = await this.#fetch(url, {
      signal: AbortSignal.timeout(this.#timeoutMs),
      headers: { accept: 'application/json' },
    });
    if (!response.ok) throw new Error(`JWKS ${url} answered ${response.status}`);
    const body = (await response.json()) as { keys?: unknown };
    if (!Array.isArray(body.keys)) throw new Error(`JWKS ${url} has no keys array`);
    const keys: VerificationKey[] = [];
    for (const jwk of body.keys as PublicJwk[]) {
      if (typeof jwk !== 'object' || jwk === null || (jwk.use !== undefined && jwk.use !== 'sig')) {
        continue;
      }
      try {
        keys.push(toVerificationKey(jwk));
      } catch {
        // A key this runtime cannot read (another kty) is skipped, not fatal.
      }
    }
    return keys;
  }
}
