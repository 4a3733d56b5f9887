import { type CredentialRevokedEvent, JOIN_TOKEN_MAX_TTL_SECONDS } from '@cascade/contracts';
import type { RedisClient } from '@cascade/server-kit';

import type { JoinTokenFacts } from './join-token-facts';

/** What a revocation list needs to know of a token's holder. */
export interface TokenHolder {
  tenantId: string;
  userId: string;
  /** Absent for sessions stored before join token facts were kept: only the user is checked. */
  token?: JoinTokenFacts | undefined;
}

/** A revocation outlives every join token minted before it (their lifetime is bounded). */
const KEEP_MS = (JOIN_TOKEN_MAX_TTL_SECONDS + 60) * 1000;

const SET_LATEST = `
local current = tonumber(redis.call('GET', KEYS[1]) or '0')
if tonumber(ARGV[1]) > current then redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2]) end
return 1`;

/**
 * The credentials identity revoked, in Redis for every gateway instance: per user, API key and
 * sign-in session, when it was revoked. A token naming a revoked API key or sign-in session is
 * refused (they never come back); a user's revocation refuses the tokens issued until then, not
 * the ones issued after it (the user allowed back). Each entry lasts
 * as long as the longest-lived join token could. One key per credential, no multi-key command:
 * safe on Redis Cluster.
 */
export class RevocationList {
  constructor(private readonly redis: RedisClient) {}

  async record(event: CredentialRevokedEvent): Promise<void> {
    await this.redis.eval(SET_LATEST, 1, keyOf(event), String(event.revokedAt), String(KEEP_MS));
  }

  /** The revocation that kills this holder's token, if any. */
  async revoked(holder: TokenHolder): Promise<CredentialRevokedEvent['type'] | undefined> {
    const checks: Array<[CredentialRevokedEvent['type'], string]> = [
      ['user', userKey(holder.tenantId, holder.userId)],
    ];
    const { token } = holder;
    if (token?.apiKeyId) checks.push(['api-key', apiKeyKey(holder.tenantId, token.apiKeyId)]);
    if (token?.signInSessionId)
      checks.push(['sign-in-session', sessionKey(holder.tenantId, token.signInSessionId)]);
    const values = await Promise.all(checks.map(([, key]) => this.redis.get(key)));
    const issuedAt = token?.issuedAt ?? 0;
    // A revoked key or sign-in session never comes back: every token naming it is dead. A
    // user's revocation kills the tokens issued until then.
    const index = values.findIndex(
      (v, i) => v !== null && (checks[i]![0] !== 'user' || Number(v) >= issuedAt),
    );
    return index === -1 ? undefined : checks[index]![0];
  }
}

/** Whether a revocation event kills this holder's token (see {@link RevocationList}). */
export function revokes(event: CredentialRevokedEvent, holder: TokenHolder): boolean {
  if (event.tenantId !== holder.tenantId) return false;
  switch (event.type) {
    case 'user':
      return event.userId === holder.userId && (holder.token?.issuedAt ?? 0) <= event.revokedAt;
    case 'api-key':
      return event.apiKeyId === holder.token?.apiKeyId;
    case 'sign-in-session':
      return event.sessionId === holder.token?.signInSessionId;
  }
}

const userKey = (tenantId: string, userId: string) => `gw:revoked:${tenantId}:user:${userId}`;
const apiKeyKey = (tenantId: string, id: string) => `gw:revoked:${tenantId}:api-key:${id}`;
const sessionKey = (tenantId: string, id: string) => `gw:revoked:${tenantId}:sid:${id}`;

function keyOf(event: CredentialRevokedEvent): string {
  switch (event.type) {
    case 'user':
      return userKey(event.tenantId, event.userId);
    case 'api-key':
      return apiKeyKey(event.tenantId, event.apiKeyId);
    case 'sign-in-session':
      return sessionKey(event.tenantId, event.sessionId);
  }
}
