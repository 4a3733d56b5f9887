import { createHash, randomBytes } from 'node:crypto';

/** A resume token: 32 random bytes, base64url (43 characters). */
export function newResumeToken(): string {
  return randomBytes(32).toString('base64url');
}

/** What is stored of a resume token: its sha256, so a Redis dump cannot take sessions over. */
export function hashResumeToken(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}
