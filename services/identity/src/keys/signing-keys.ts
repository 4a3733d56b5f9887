import { type KeyObject, createPrivateKey, createPublicKey } from 'node:crypto';

import type { Jwks } from '@cascade/contracts';
import type { PublicJwk } from '@cascade/server-kit';
import jwt from 'jsonwebtoken';

export type SigningAlgorithm = 'RS256' | 'ES256';

export interface SigningKey {
  kid: string;
  alg: SigningAlgorithm;
  privateKey: KeyObject;
  publicJwk: PublicJwk;
}

const KID = /^[A-Za-z0-9._-]{1,64}$/;

function algorithmOf(key: KeyObject): SigningAlgorithm {
  if (key.asymmetricKeyType === 'rsa') {
    if ((key.asymmetricKeyDetails?.modulusLength ?? 0) < 2048) {
      throw new Error('RSA keys must have at least 2048 bits');
    }
    return 'RS256';
  }
  if (key.asymmetricKeyType === 'ec' && key.asymmetricKeyDetails?.namedCurve === 'prime256v1') {
    return 'ES256';
  }
  throw new Error('keys must be RSA (RS256) or EC P-256 (ES256)');
}

/** Reads the configured signing keys: `{ "<kid>": "<PEM private key>", … }`. */
export function parseSigningKeys(value: unknown): SigningKey[] {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new Error('not a JSON object');
  }
  const entries = Object.entries(value as Record<string, unknown>);
  if (entries.length === 0) throw new Error('no key');
  return entries.map(([kid, pem]) => {
    if (!KID.test(kid)) throw new Error(`key id ${JSON.stringify(kid)} is not a valid kid`);
    if (typeof pem !== 'string') throw new Error(`key ${kid} is not a PEM string`);
    let privateKey: KeyObject;
    try {
      privateKey = createPrivateKey(pem);
    } catch {
      throw new Error(`key ${kid} is not a PEM private key`);
    }
    let alg: SigningAlgorithm;
    try {
      alg = algorithmOf(privateKey);
    } catch (error) {
      throw new Error(`key ${kid}: ${(error as Error).message}`, { cause: error });
    }
    const publicJwk = {
      ...(createPublicKey(privateKey).export({ format: 'jwk' }) as Record<string, unknown>),
      kid,
      alg,
      use: 'sig',
    } as PublicJwk;
    return { kid, alg, privateKey, publicJwk };
  });
}

/**
 * The service's signing keys: every configured key is published (so tokens signed by a retired
 * key keep verifying until they expire), the active one signs.
 */
export class SigningKeys {
  readonly #keys: readonly SigningKey[];
  readonly #active: SigningKey;

  constructor(keys: readonly SigningKey[], activeKid?: string) {
    const active = activeKid === undefined ? keys[0] : keys.find((k) => k.kid === activeKid);
    if (!active) throw new Error(`no signing key ${activeKid ?? ''}`);
    this.#keys = keys;
    this.#active = active;
  }

  get active(): SigningKey {
    return this.#active;
  }

  jwks(): Jwks {
    return { keys: this.#keys.map((k) => ({ ...k.publicJwk })) as Jwks['keys'] };
  }

  publicJwks(): PublicJwk[] {
    return this.#keys.map((k) => k.publicJwk);
  }

  /** Signs `claims` (which carry their own iat/exp/iss/aud) with the active key. */
  sign(claims: object): string {
    return jwt.sign(claims, this.#active.privateKey, {
      algorithm: this.#active.alg,
      keyid: this.#active.kid,
      header: { alg: this.#active.alg, kid: this.#active.kid, typ: 'JWT' },
    });
  }
}
