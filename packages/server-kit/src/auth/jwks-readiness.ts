import type { ReadinessCheck } from '../health/readiness';
import { withTimeout } from '../time';
import type { JwksKeySource, JwksStatus } from './jwks-key-source';

export type JwksVerdict = { ready: true } | { ready: false; reason: string };

/**
 * Whether cached signing keys let a service serve: it has keys, and they were fetched less than
 * `maxStalenessMs` ago. Whether the issuer answers right now does not matter: a peer's hiccup
 * must not take every verifier out of service at once.
 */
export function judgeJwks(status: JwksStatus, now: number, maxStalenessMs: number): JwksVerdict {
  const why = status.lastError ? `: ${status.lastError}` : '';
  if (status.fetchedAt === undefined) {
    return { ready: false, reason: `no signing keys fetched yet from ${status.url}${why}` };
  }
  const ageMs = now - status.fetchedAt;
  if (ageMs > maxStalenessMs) {
    return {
      ready: false,
      reason: `signing keys are stale: fetched ${ageMs} ms ago, over the ${maxStalenessMs} ms limit${why}`,
    };
  }
  return { ready: true };
}

/**
 * How often a key source should refresh so that keys stay well within `maxStalenessMs`: at
 * least three attempts before the limit (and every 10 minutes at most), retries no closer than a
 * sixth of it (30 s at most).
 */
export function jwksRefreshTimings(maxStalenessMs: number): {
  maxAgeMs: number;
  minRefreshIntervalMs: number;
} {
  return {
    maxAgeMs: Math.min(10 * 60_000, Math.floor(maxStalenessMs / 3)),
    minRefreshIntervalMs: Math.min(30_000, Math.floor(maxStalenessMs / 6)),
  };
}

export interface JwksReadinessOptions {
  /** Cached keys older than this make the service not ready. */
  maxStalenessMs: number;
  /** Name of the check in `/readyz` (default `jwks`). */
  name?: string;
  /** How long a probe waits for a fetch when it is not ready on cached keys (default 1 s). */
  fetchBudgetMs?: number;
  now?: () => number;
}

/**
 * Readiness on cached signing keys: ready while the keys are fresh enough, whatever the issuer
 * answers this second (a due refresh starts in the background, never awaited). Only when the
 * keys are missing or stale beyond the limit does the probe try one bounded fetch, so that a
 * returning issuer makes the service ready at once.
 */
export function jwksReadinessCheck(
  source: JwksKeySource,
  options: JwksReadinessOptions,
): ReadinessCheck {
  const now = options.now ?? Date.now;
  const budget = options.fetchBudgetMs ?? 1_000;
  return {
    name: options.name ?? 'jwks',
    check: async () => {
      if (judgeJwks(source.status(), now(), options.maxStalenessMs).ready) {
        source.refreshIfDue();
        return;
      }
      await withTimeout(source.refresh(), budget, 'JWKS fetch').catch(() => undefined);
      const verdict = judgeJwks(source.status(), now(), options.maxStalenessMs);
      if (!verdict.ready) throw new Error(verdict.reason);
    },
  };
}
