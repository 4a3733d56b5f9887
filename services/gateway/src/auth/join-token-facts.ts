import type { JoinTokenClaims } from '@cascade/contracts';
import { z } from 'zod';

/**
 * What the gateway keeps of the join token a room socket (and its session) lives by: when it
 * ends, and which credentials minted it, so that a revocation finds the sessions it opened.
 */
export const JoinTokenFacts = z.object({
  /** The token's `exp`, in milliseconds since the epoch. */
  expiresAt: z.number().int().positive(),
  /** The token's `iat`, in milliseconds since the epoch. */
  issuedAt: z.number().int().nonnegative(),
  /** The API key that minted it (`akid`). */
  apiKeyId: z.string().min(1).optional(),
  /** The sign-in session whose access token minted it (`sid`). */
  signInSessionId: z.string().min(1).optional(),
});
export type JoinTokenFacts = z.infer<typeof JoinTokenFacts>;

export function joinTokenFacts(claims: JoinTokenClaims): JoinTokenFacts {
  return {
    expiresAt: claims.exp * 1000,
    issuedAt: claims.iat * 1000,
    ...(claims.akid === undefined ? {} : { apiKeyId: claims.akid }),
    ...(claims.sid === undefined ? {} : { signInSessionId: claims.sid }),
  };
}
