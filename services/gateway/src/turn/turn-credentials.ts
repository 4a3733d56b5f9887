import { createHmac } from 'node:crypto';

import type { IceServer } from '@cascade/contracts';

/** A TURN server URI (RFC 7065): `turn:` or `turns:`, a host or bracketed IPv6, an optional port and transport. */
export const TURN_URL_PATTERN =
  /^turns?:(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9](?:[A-Za-z0-9.-]*[A-Za-z0-9])?)(:\d{1,5})?(\?transport=(udp|tcp))?$/;

/** Shortest shared secret accepted (the same floor as identity's admin token). */
export const TURN_SECRET_MIN_LENGTH = 24;

export interface TurnCredentialOptions {
  /** The TURN servers' URIs, all sharing `secret` (coturn `static-auth-secret`). */
  urls: string[];
  /** coturn's `static-auth-secret` (with `use-auth-secret`). */
  secret: string;
  /** How long a minted credential is accepted by the TURN server. */
  ttlSeconds: number;
}

/** A minted credential, with the moment it stops being accepted. */
export interface TurnCredential extends IceServer {
  urls: string[];
  username: string;
  credential: string;
  /** Unix time in seconds after which the TURN server refuses it. */
  expiresAt: number;
}

/**
 * Mints time-limited TURN credentials with the TURN REST API convention that coturn implements
 * (`use-auth-secret`, `static-auth-secret`): the username is `<expiry unix seconds>:<id>` and the
 * password is base64(HMAC-SHA1(secret, username)). The TURN server recomputes the HMAC from its
 * copy of the secret and refuses the username once its expiry has passed, so no credential is
 * stored anywhere and each session gets its own, which ends.
 */
export class TurnCredentials {
  constructor(
    private readonly options: TurnCredentialOptions,
    private readonly clock: () => number = Date.now,
  ) {
    if (options.urls.length === 0) throw new Error('TURN credentials need at least one URL');
    for (const url of options.urls)
      if (!TURN_URL_PATTERN.test(url)) throw new Error(`not a TURN URI: ${url}`);
    if (options.secret.length < TURN_SECRET_MIN_LENGTH)
      throw new Error(`the TURN secret must be at least ${TURN_SECRET_MIN_LENGTH} characters`);
    if (!Number.isInteger(options.ttlSeconds) || options.ttlSeconds < 1)
      throw new Error('the TURN credential lifetime must be a positive whole number of seconds');
  }

  /**
   * A credential for one session (`id`: a participant id; it must not contain `:`, coturn's
   * separator between the expiry and the rest of the username).
   */
  mint(id: string): TurnCredential {
    if (id === '' || id.includes(':')) throw new Error(`not a TURN username id: ${id}`);
    const expiresAt = Math.floor(this.clock() / 1000) + this.options.ttlSeconds;
    const username = `${expiresAt}:${id}`;
    return {
      urls: [...this.options.urls],
      username,
      credential: turnPassword(this.options.secret, username),
      expiresAt,
    };
  }

  /** The ICE server entry a client is handed (the credential without its expiry). */
  iceServer(id: string): IceServer {
    const { urls, username, credential } = this.mint(id);
    return { urls, username, credential };
  }
}

/** coturn's REST API password for `username`: base64(HMAC-SHA1(secret, username)). */
export function turnPassword(secret: string, username: string): string {
  return createHmac('sha1', secret).update(username).digest('base64');
}
