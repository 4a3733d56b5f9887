import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

/**
 * Ids that sort by creation time (`usr_0lx2k3m4n5a1b2c3d4e5f6a7b8`): a prefix, the time in base 36
 * and random hex. Lists page by id, so pages come in creation order.
 */
export function newId(prefix: string): string {
  return `${prefix}_${Date.now().toString(36).padStart(9, '0')}${randomBytes(8).toString('hex')}`;
}

/** A high-entropy secret (refresh tokens, API key secrets, OAuth state). */
export function newSecret(bytes = 32): string {
  return randomBytes(bytes).toString('base64url');
}

/** Secrets are stored as their SHA-256: they are random, so no salt or slow hash is needed. */
export function hashSecret(secret: string): string {
  return createHash('sha256').update(secret, 'utf8').digest('hex');
}

export function secretMatches(secret: string, storedHash: string): boolean {
  const a = Buffer.from(hashSecret(secret), 'hex');
  const b = Buffer.from(storedHash, 'hex');
  return a.length === b.length && timingSafeEqual(a, b);
}
