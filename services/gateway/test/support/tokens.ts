import { createHmac, generateKeyPairSync, type KeyObject, randomUUID } from 'node:crypto';
import { type Server, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

import type { RoomGrants } from '@cascade/contracts';
import jwt from 'jsonwebtoken';

export const ISSUER = 'cascade-identity';
export const JOIN_AUDIENCE = 'cascade-join';
export const API_AUDIENCE = 'cascade-api';
export const RSA_KID = 'test-rs256';
export const EC_KID = 'test-es256';

export type JoinGrants = Omit<RoomGrants, 'room'>;

export interface JoinTokenOptions {
  tenant: string;
  user: string;
  room: string;
  /** Default: join, publish and subscribe; no admin. */
  grants?: Partial<JoinGrants>;
  name?: string;
  /** Seconds; negative for a token that expired that long ago. Default 600. */
  expiresIn?: number;
  /** Default: the key's own (`test-rs256` / `test-es256`). */
  kid?: string;
  audience?: string;
  issuer?: string;
  alg?: 'RS256' | 'ES256';
  /** Claims beside the usual ones (`akid`, `sid`: the credential that minted the token). */
  claims?: Record<string, unknown>;
}

export const DEFAULT_GRANTS: JoinGrants = {
  join: true,
  publish: true,
  subscribe: true,
  admin: false,
};

const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
const pem = (key: KeyObject) => key.export({ type: 'spki', format: 'pem' }) as string;

/**
 * An identity service in miniature for tests: an RSA and an EC key pair, their JWKS served over
 * HTTP on 127.0.0.1, join and access tokens signed as identity signs them, and the bad tokens an
 * attacker would try.
 */
export class TokenAuthority {
  readonly #rsa = generateKeyPairSync('rsa', { modulusLength: 2048 });
  readonly #ec = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  #server: Server | undefined;
  #url: string | undefined;

  /** Starts the JWKS server. */
  static async start(): Promise<TokenAuthority> {
    const authority = new TokenAuthority();
    const jwks = JSON.stringify({
      keys: [
        {
          ...authority.#rsa.publicKey.export({ format: 'jwk' }),
          kid: RSA_KID,
          alg: 'RS256',
          use: 'sig',
        },
        {
          ...authority.#ec.publicKey.export({ format: 'jwk' }),
          kid: EC_KID,
          alg: 'ES256',
          use: 'sig',
        },
      ],
    });
    const server = createServer((req, res) => {
      if (req.url === '/.well-known/jwks.json') {
        res.writeHead(200, { 'content-type': 'application/json' }).end(jwks);
      } else res.writeHead(404).end();
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    authority.#server = server;
    authority.#url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/.well-known/jwks.json`;
    return authority;
  }

  get jwksUrl(): string {
    if (!this.#url) throw new Error('the JWKS server is not started');
    return this.#url;
  }

  /** The RSA public key as PEM (for GATEWAY_AUTH_PUBLIC_KEYS). */
  get publicKeyPem(): string {
    return pem(this.#rsa.publicKey);
  }

  async close(): Promise<void> {
    const server = this.#server;
    this.#server = undefined;
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  /** A join token as identity (or a tenant's backend with an API key) mints it. */
  mintJoinToken(o: JoinTokenOptions): string {
    const alg = o.alg ?? 'RS256';
    return jwt.sign(
      this.#joinClaims(o),
      alg === 'RS256' ? this.#rsa.privateKey : this.#ec.privateKey,
      {
        algorithm: alg,
        keyid: o.kid ?? (alg === 'RS256' ? RSA_KID : EC_KID),
        ...(o.expiresIn !== undefined && o.expiresIn <= 0 ? {} : { expiresIn: o.expiresIn ?? 600 }),
      },
    );
  }

  /**
   * An access token as identity signs it at sign-in (audience `cascade-api`, 15 minutes): for
   * the rooms HTTP API, and for a user connection to the gateway.
   */
  mintAccessToken(tenant: string, user: string, role: 'member' | 'admin' = 'member'): string {
    return jwt.sign(this.#accessClaims(tenant, user, role), this.#rsa.privateKey, {
      algorithm: 'RS256',
      keyid: RSA_KID,
      expiresIn: 900,
    });
  }

  #accessClaims(tenant: string, user: string, role: 'member' | 'admin'): Record<string, unknown> {
    return {
      iss: ISSUER,
      aud: API_AUDIENCE,
      sub: user,
      tenant,
      sid: `s_${user}`,
      jti: randomUUID(),
      role,
    };
  }

  /** Tokens that must be refused at the handshake, each for one reason. */
  readonly forge = {
    /** An access token that expired a minute ago (beyond any clock tolerance). */
    expiredAccess: (tenant: string, user: string) => {
      const now = Math.floor(Date.now() / 1000);
      return jwt.sign(
        { ...this.#accessClaims(tenant, user, 'member'), iat: now - 960, exp: now - 60 },
        this.#rsa.privateKey,
        { algorithm: 'RS256', keyid: RSA_KID },
      );
    },
    /** Expired a minute ago (beyond any clock tolerance). */
    expired: (o: JoinTokenOptions) => {
      const now = Math.floor(Date.now() / 1000);
      return jwt.sign(
        { ...this.#joinClaims(o), iat: now - 600, exp: now - 60 },
        this.#rsa.privateKey,
        { algorithm: 'RS256', keyid: RSA_KID },
      );
    },
    /** A valid token whose claims were changed afterwards (admin granted), signature kept. */
    tampered: (o: JoinTokenOptions) => {
      const [header, payload, signature] = this.mintJoinToken(o).split('.') as [
        string,
        string,
        string,
      ];
      const claims = JSON.parse(Buffer.from(payload, 'base64url').toString()) as Record<
        string,
        unknown
      >;
      const grants = claims['grants'] as Record<string, unknown>;
      return `${header}.${b64({ ...claims, grants: { ...grants, admin: true } })}.${signature}`;
    },
    wrongAudience: (o: JoinTokenOptions) => this.mintJoinToken({ ...o, audience: API_AUDIENCE }),
    wrongIssuer: (o: JoinTokenOptions) =>
      this.mintJoinToken({ ...o, issuer: 'https://evil.example' }),
    /** Unsigned: `alg: none` and no signature. */
    algNone: (o: JoinTokenOptions) =>
      `${b64({ alg: 'none', typ: 'JWT' })}.${b64(this.#joinClaims(o, true))}.`,
    /** Algorithm confusion: HS256 with the public RSA key (as PEM) used as the HMAC secret. */
    hs256WithPublicKey: (o: JoinTokenOptions) => {
      const signingInput = `${b64({ alg: 'HS256', typ: 'JWT', kid: RSA_KID })}.${b64(this.#joinClaims(o, true))}`;
      const signature = createHmac('sha256', this.publicKeyPem)
        .update(signingInput)
        .digest('base64url');
      return `${signingInput}.${signature}`;
    },
    /** Signed with a key the JWKS does not have, under a `kid` it does not list. */
    unknownKid: (o: JoinTokenOptions) => {
      const stranger = generateKeyPairSync('rsa', { modulusLength: 2048 });
      return jwt.sign(this.#joinClaims(o), stranger.privateKey, {
        algorithm: 'RS256',
        keyid: 'not-a-published-key',
        expiresIn: 600,
      });
    },
  };

  #joinClaims(o: JoinTokenOptions, withTimes = false): Record<string, unknown> {
    const now = Math.floor(Date.now() / 1000);
    return {
      iss: o.issuer ?? ISSUER,
      aud: o.audience ?? JOIN_AUDIENCE,
      sub: o.user,
      tenant: o.tenant,
      ...(o.name !== undefined ? { name: o.name } : {}),
      grants: { room: o.room, ...DEFAULT_GRANTS, ...o.grants },
      jti: randomUUID(),
      ...o.claims,
      ...(withTimes ? { iat: now, exp: now + 600 } : {}),
      ...(o.expiresIn !== undefined && o.expiresIn <= 0
        ? { iat: now + o.expiresIn - 60, exp: now + o.expiresIn }
        : {}),
    };
  }
}
