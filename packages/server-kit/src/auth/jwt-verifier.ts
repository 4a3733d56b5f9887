import { type KeyObject, verify as verifySignature } from 'node:crypto';

import { CascadeError, toFieldIssues } from '@cascade/contracts';
import type { z } from 'zod';

import { JwksKeySource } from './jwks-key-source';
import { type PublicJwk, type VerificationKey, toVerificationKey } from './verification-key';

export type { PublicJwk } from './verification-key';

/** The only algorithms Cascade signs with: asymmetric, so verifiers never hold a signing secret. */
export type JwtAlgorithm = 'RS256' | 'ES256';
export const JWT_ALGORITHMS: readonly JwtAlgorithm[] = ['RS256', 'ES256'];

export interface JwtVerifierOptions {
  /** Where the issuer publishes its keys (`https://identity/.well-known/jwks.json`). */
  jwksUrl?: string;
  /**
   * Or a key source shared with other verifiers of the same issuer (the `jwks*` options below
   * then belong to it and are ignored here).
   */
  jwks?: JwksKeySource;
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
  readonly #jwks: JwksKeySource | undefined;

  constructor(options: JwtVerifierOptions) {
    if (!options.jwks && !options.jwksUrl && (!options.keys || options.keys.length === 0)) {
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
    this.#jwks =
      options.jwks ??
      (options.jwksUrl
        ? new JwksKeySource({
            url: options.jwksUrl,
            ...(options.jwksTimeoutMs !== undefined && { timeoutMs: options.jwksTimeoutMs }),
            ...(options.jwksMaxAgeMs !== undefined && { maxAgeMs: options.jwksMaxAgeMs }),
            ...(options.jwksMinRefreshIntervalMs !== undefined && {
              minRefreshIntervalMs: options.jwksMinRefreshIntervalMs,
            }),
            ...(options.now && { now: options.now }),
            ...(options.fetch && { fetch: options.fetch }),
          })
        : undefined);
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
    const jwks = this.#jwks;
    if (jwks) {
      try {
        await jwks.prepareFor(kid);
      } catch (error) {
        // Only when no key was ever fetched: without configured keys nothing can verify.
        if (this.#staticKeys.length === 0) {
          throw unauthenticated(`cannot verify token: signing keys unavailable (${String(error)})`);
        }
      }
    }
    return [...this.#staticKeys, ...(jwks?.keys ?? [])].filter(
      (k) => (kid === undefined || k.kid === undefined || k.kid === kid) && keyFits(k, alg),
    );
  }
}
