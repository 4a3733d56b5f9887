import { type KeyObject, createPublicKey } from 'node:crypto';

/** A public key as a JWK (as published at a JWKS endpoint). */
export interface PublicJwk {
  kty: string;
  kid?: string;
  alg?: string;
  use?: string;
  [field: string]: unknown;
}

/** A key that verifies token signatures, with the `kid` and `alg` it was published under. */
export interface VerificationKey {
  kid: string | undefined;
  alg: string | undefined;
  key: KeyObject;
}

/** A PEM public key (SPKI or certificate) or a JWK, ready to verify signatures. */
export function toVerificationKey(input: string | PublicJwk): VerificationKey {
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
