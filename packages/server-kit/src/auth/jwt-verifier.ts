import { type KeyObject, createPublicKey, verify as verifySignature } from 'node:crypto';

import { CascadeError, toFieldIssues } from '@cascade/contracts';
import type { z } from 'zod';

/** The only algorithms Cascade signs with: asymmetric, so verifiers never hold a signing secret. */
export type JwtAlgorithm = 'RS256' | 'ES256';
export const JWT_ALGORITHMS: readonly JwtAlgorithm[] = ['RS256', 'ES256'];

/** A public key as a JWK (as published at a JWKS endpoint). */
export interface PublicJwk {
  kty: string;
  kid?: string;
  alg?: string;
  use?: string;
  [field: string]: unknown;
}

export interface JwtVerifierOptions {
  /** Where the issuer publishes its keys (`https://identity/.well-known/jwks.json`). */
  jwksUrl?: string;
  /** Keys known up front: PEM public keys (SPKI or certificates) or JWKs. */
  keys?: ReadonlyArray<string | PublicJwk>;
  issuer: string;
  audience: string | readonly string[];
  /** Accepted algorithms; default both RS256 and ES256. HS* and `none` are never accepted. */
  algorithms?: readonly JwtAlgorithm[];
  /** Allowed clock skew for `exp`, `nbf` and `iat`. Default 5 s. */
  clockToleranceSeconds?: number;
  /** Budget for one JWKS fetch. Default 3 s. */
  jwksTimeoutMs?: number;
  /** How long a fetched JWKS is used before it is fetched again. Default 10 min. */
  jwksMaxAgeMs?: number;
  /** Least time between two fetches triggered by unknown `kid`s. Default 30 s. */
  jwksMinRefreshIntervalMs?: number;
  /** For tests: the clock (ms) and the HTTP client. */
  now?: () => number;
  fetch?: typeof fetch;
}

interface VerificationKey {
  kid: string | undefined;
  alg: string | undefined;
  key: KeyObject;
}

interface JwtHeader {
  alg?: unknown;
  kid?: unknown;
  typ?: unknown;
  crit?: unknown;
}

const SEGMENT = /^[A-Za-z0-9_-]*$/;

function unauthenticated(message: string, details?: Record<string, unknown>): CascadeError {
  return new CascadeError('UNAUTHENTICATED', message, details);
}

function decodeJson(segment: string, what: string): Record<string, unknown> {
  try {
    const value: unknown = JSON.parse(Buffer.from(segment, 'base64url').toString('utf8'));
    if (typeof value === 'object' && value !== null && !Array.isArray(value)) {
      return value as Record<string, unknown>;
    }
  } catch {
    // fall through
  }
  throw unauthenticated(`malformed token: the ${what} is not a JSON object`);
}

/** Whether `key` can verify `alg`: an RSA key for RS256, a P-256 key for ES256, nothing else. */
function keyFits(key: VerificationKey, alg: JwtAlgorithm): boolean {
  if (key.alg !== undefined && key.alg !== alg) return false;
  if (alg === 'RS256') return key.key.asymmetricKeyType === 'rsa';
  return (
    key.key.asymmetricKeyType === 'ec' && key.key.asymmetricKeyDetails?.namedCurve === 'prime256v1'
  );
}

function toVerificationKey(input: string | PublicJwk): VerificationKey {
  if (typeof input === 'string') {
    const key = createPublicKey(input);
    return { kid: undefined, alg: undefined, key };
  }
  const key = createPublicKey({ key: input as never, format: 'jwk' });
  return {
    kid: typeof input.kid === 'string' ? input.kid : undefined,
    alg: typeof input.alg === 'string' ? input.alg : undefined,
    key,
  };
}

/**
 * Verifies JWTs issued by Cascade's identity service (access tokens, join tokens): signature
 * with an asymmetric key (RS256 or ES256 only, the key's type must match the header's `alg`, so
 * `none`, HS* and algorithm confusion are refused), `exp`, `nbf`, issuer and audience, then the
 * claims against a contracts schema. Keys come from configuration and/or a JWKS endpoint that is
 * cached and fetched again when a token names an unknown `kid` (at most once per
 * `jwksMinRefreshIntervalMs`). Every failure is `UNAUTHENTICATED` with a message saying why.
 */
export class JwtVerifier {
  readonly #options: JwtVerifierOptions;
  readonly #algorithms: ReadonlySet<JwtAlgorithm>;
  readonly #audiences: readonly string[];
  readonly #staticKeys: VerificationKey[];
  readonly #now: () => number;
  readonly #fetch: typeof fetch;
  #jwksKeys: VerificationKey[] = [];
  #jwksFetchedAt: number | undefined;
  #lastFetchAttempt: number | undefined;
  #inflight: Promise<void> | undefined;

  constructor(options: JwtVerifierOptions) {
    if (!options.jwksUrl && (!options.keys || options.keys.length === 0)) {
      throw new Error('JwtVerifier needs a jwksUrl or at least one key');
    }
    const algorithms = options.algorithms ?? JWT_ALGORITHMS;
    for (const alg of algorithms) {
      if (!JWT_ALGORITHMS.includes(alg)) throw new Error(`unsupported JWT algorithm ${alg}`);
    }
    this.#options = options;
    this.#algorithms = new Set(algorithms);
    this.#audiences = typeof options.audience === 'string' ? [options.audience] : options.audience;
    this.#staticKeys = (options.keys ?? []).map(toVerificationKey);
    this.#now = options.now ?? Date.now;
    this.#fetch = options.fetch ?? fetch;
  }

  async verify<T>(token: string, schema: z.ZodType<T>): Promise<T> {
    if (typeof token !== 'string' || token.length === 0) throw unauthenticated('missing token');
    if (token.length > 16_384) throw unauthenticated('token too long');
    const parts = token.split('.');
    if (parts.length !== 3 || !parts.every((p) => SEGMENT.test(p))) {
      throw unauthenticated('malformed token: expected three base64url segments');
    }
    const [headerPart, payloadPart, signaturePart] = parts as [string, string, string];
    const header = decodeJson(headerPart, 'header') as JwtHeader;
    const alg = header.alg;
    if (typeof alg !== 'string' || !this.#algorithms.has(alg as JwtAlgorithm)) {
      throw unauthenticated(
        `token algorithm ${JSON.stringify(alg)} is not accepted (accepted: ${[...this.#algorithms].join(', ')})`,
      );
    }
    if (header.crit !== undefined) throw unauthenticated('token has unsupported critical headers');
    const kid = typeof header.kid === 'string' ? header.kid : undefined;
    const payload = decodeJson(payloadPart, 'payload');

    const keys = await this.#candidateKeys(kid, alg as JwtAlgorithm);
    if (keys.length === 0) {
      throw unauthenticated(
        kid === undefined ? 'no key can verify this token' : `unknown signing key ${kid}`,
      );
    }
    const data = Buffer.from(`${headerPart}.${payloadPart}`);
    const signature = Buffer.from(signaturePart, 'base64url');
    const valid = keys.some((k) =>
      this.#checkSignature(alg as JwtAlgorithm, k.key, data, signature),
    );
    if (!valid) throw unauthenticated('invalid token signature');

    this.#checkRegisteredClaims(payload);
    const result = schema.safeParse(payload);
    if (!result.success) {
      throw unauthenticated('token claims are invalid', { issues: toFieldIssues(result.error) });
    }
    return result.data;
  }

  #checkSignature(alg: JwtAlgorithm, key: KeyObject, data: Buffer, signature: Buffer): boolean {
    try {
      if (alg === 'ES256') {
        if (signature.length !== 64) return false;
        return verifySignature('sha256', data, { key, dsaEncoding: 'ieee-p1363' }, signature);
      }
      return verifySignature('sha256', data, key, signature);
    } catch {
      return false;
    }
  }

  #checkRegisteredClaims(payload: Record<string, unknown>): void {
    const now = Math.floor(this.#now() / 1000);
    const tolerance = this.#options.clockToleranceSeconds ?? 5;
    const { exp, nbf, iat, iss, aud } = payload;
    if (typeof exp !== 'number' || !Number.isFinite(exp)) {
      throw unauthenticated('token has no expiry (exp)');
    }
    if (exp <= now - tolerance) throw unauthenticated('token expired');
    if (nbf !== undefined && (typeof nbf !== 'number' || nbf > now + tolerance)) {
      throw unauthenticated('token is not valid yet (nbf)');
    }
    if (iat !== undefined && (typeof iat !== 'number' || iat > now + tolerance)) {
      throw unauthenticated('token was issued in the future (iat)');
    }
    if (iss !== this.#options.issuer) throw unauthenticated('token issuer is not accepted');
    const audiences = typeof aud === 'string' ? [aud] : Array.isArray(aud) ? aud : [];
    if (!audiences.some((a) => typeof a === 'string' && this.#audiences.includes(a))) {
      throw unauthenticated('token audience is not accepted');
    }
  }

  async #candidateKeys(kid: string | undefined, alg: JwtAlgorithm): Promise<VerificationKey[]> {
    const pick = () =>
      [...this.#staticKeys, ...this.#jwksKeys].filter(
        (k) => (kid === undefined || k.kid === undefined || k.kid === kid) && keyFits(k, alg),
      );
    if (!this.#options.jwksUrl) return pick();

    const now = this.#now();
    const maxAge = this.#options.jwksMaxAgeMs ?? 10 * 60_000;
    const neverFetched = this.#jwksFetchedAt === undefined;
    const stale = neverFetched || now - (this.#jwksFetchedAt ?? 0) > maxAge;
    const kidUnknown = kid !== undefined && !this.#jwksKeys.some((k) => k.kid === kid);
    if (neverFetched || ((stale || kidUnknown) && this.#mayRefresh(now))) {
      await this.#refresh(neverFetched);
    }
    return pick();
  }

  #mayRefresh(now: number): boolean {
    const interval = this.#options.jwksMinRefreshIntervalMs ?? 30_000;
    return this.#lastFetchAttempt === undefined || now - this.#lastFetchAttempt >= interval;
  }

  /** Fetches the JWKS once (concurrent callers share it). Without keys yet, failing is fatal. */
  async #refresh(mustSucceed: boolean): Promise<void> {
    this.#inflight ??= this.#fetchJwks().finally(() => (this.#inflight = undefined));
    try {
      await this.#inflight;
    } catch (error) {
      if (mustSucceed && this.#jwksKeys.length === 0 && this.#staticKeys.length === 0) {
        throw unauthenticated(`cannot verify token: signing keys unavailable (${String(error)})`);
      }
    }
  }

  async #fetchJwks(): Promise<void> {
    const url = this.#options.jwksUrl as string;
    this.#lastFetchAttempt = this.#now();
    const response = await this.#fetch(url, {
      signal: AbortSignal.timeout(this.#options.jwksTimeoutMs ?? 3_000),
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
    this.#jwksKeys = keys;
    this.#jwksFetchedAt = this.#now();
  }
}
