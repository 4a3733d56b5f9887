import { Logger, Module } from '@nestjs/common';
import {
  ClientAddressModule,
  JwtVerifier,
  REDIS,
  RateLimiters,
  SERVICE_CONFIG,
  addressBucket,
  type RedisClient,
} from '@cascade/server-kit';

import type { GatewayConfig } from '../config';
import { ParticipantSessions } from '../sessions/participant-sessions';
import { SessionStore } from '../sessions/session-store';
import { SessionsModule } from '../sessions/sessions.module';
import { UserConnectionSlots } from '../user-connections/user-connection-slots';
import { UserConnectionsModule } from '../user-connections/user-connections.module';
import { HandshakeAuthenticator, type HandshakeRateLimit } from './handshake';
import { RevocationList } from './revocation-list';
import { SIGNING_KEYS, type SigningKeys, signingKeysProvider } from './signing-keys';
import { TokenLifetime } from './token-lifetime';

/** Verifies join tokens: identity's JWKS (cached, refreshed on an unknown `kid`) or PEM keys. */
export const JOIN_TOKEN_VERIFIER = Symbol('JOIN_TOKEN_VERIFIER');
/** Verifies access tokens (user connections): the same keys and issuer, the API audience. */
export const ACCESS_TOKEN_VERIFIER = Symbol('ACCESS_TOKEN_VERIFIER');

const logger = new Logger('user-connections');

/** A verifier of identity's tokens for one audience, on the keys shared by both verifiers. */
function verifierFor(config: GatewayConfig, keys: SigningKeys, audience: string): JwtVerifier {
  return new JwtVerifier({
    ...(keys.jwks ? { jwks: keys.jwks } : { keys: config.GATEWAY_AUTH_PUBLIC_KEYS ?? [] }),
    issuer: config.GATEWAY_AUTH_ISSUER,
    audience,
  });
}

/** Handshakes per client address (IPv6 per /64) and minute, in Redis for every instance. */
function handshakeRateLimit(limiters: RateLimiters, config: GatewayConfig): HandshakeRateLimit {
  const limiter = limiters.create({
    name: 'gateway:handshake:address',
    points: config.GATEWAY_HANDSHAKE_RATE_LIMIT_PER_MINUTE,
    durationSeconds: 60,
  });
  return {
    hit: (address) =>
      limiter.enforce(addressBucket(address), 'too many connection attempts from this address'),
  };
}

@Module({
  imports: [
    SessionsModule,
    UserConnectionsModule,
    ClientAddressModule.forRoot('GATEWAY_TRUST_PROXY'),
  ],
  providers: [
    signingKeysProvider,
    {
      provide: JOIN_TOKEN_VERIFIER,
      inject: [SERVICE_CONFIG, SIGNING_KEYS],
      useFactory: (config: GatewayConfig, keys: SigningKeys) =>
        verifierFor(config, keys, config.GATEWAY_AUTH_AUDIENCE),
    },
    {
      provide: ACCESS_TOKEN_VERIFIER,
      inject: [SERVICE_CONFIG, SIGNING_KEYS],
      useFactory: (config: GatewayConfig, keys: SigningKeys) =>
        verifierFor(config, keys, config.GATEWAY_ACCESS_AUDIENCE),
    },
    {
      provide: RevocationList,
      inject: [REDIS],
      useFactory: (redis: RedisClient) => new RevocationList(redis),
    },
    {
      provide: TokenLifetime,
      inject: [JOIN_TOKEN_VERIFIER, RevocationList, SessionStore],
      useFactory: (joinTokens: JwtVerifier, revocations: RevocationList, store: SessionStore) =>
        new TokenLifetime(joinTokens, revocations, store),
    },
    {
      provide: HandshakeAuthenticator,
      inject: [
        JOIN_TOKEN_VERIFIER,
        ACCESS_TOKEN_VERIFIER,
        ParticipantSessions,
        UserConnectionSlots,
        RateLimiters,
        SERVICE_CONFIG,
        RevocationList,
        TokenLifetime,
      ],
      useFactory: (
        joinTokens: JwtVerifier,
        accessTokens: JwtVerifier,
        sessions: ParticipantSessions,
        slots: UserConnectionSlots,
        limiters: RateLimiters,
        config: GatewayConfig,
        revocations: RevocationList,
        lifetime: TokenLifetime,
      ) =>
        new HandshakeAuthenticator(
          { joinTokens, accessTokens },
          async (resumeToken, socketId, joinToken) => {
            const session = await sessions.claimResume(resumeToken, socketId);
            if (!session) return undefined;
            // A fresh join token in the handshake extends the session, as session.refresh would.
            const token =
              (joinToken === undefined ? undefined : await lifetime.adopt(session, joinToken)) ??
              session.token;
            // A session lives no longer than its join token: expired or revoked, no resume.
            const refusal = await lifetime.refusal({ ...session, token });
            if (refusal) {
              await sessions.expel(session, refusal);
              return undefined;
            }
            return {
              tenantId: session.tenantId,
              userId: session.userId,
              roomId: session.roomId,
              grants: session.grants,
              displayName: session.displayName,
              participantId: session.participantId,
              nodeId: session.nodeId,
              workerIndex: session.workerIndex,
              ...(token ? { token } : {}),
            };
          },
          {
            limit: slots.max,
            acquire: async (identity, socketId) => {
              const taken = await slots.acquire(identity, socketId);
              if (!taken)
                logger.log({
                  tenantId: identity.tenantId,
                  userId: identity.userId,
                  socketId,
                  limit: slots.max,
                  msg: 'user connection refused: the user holds every slot',
                });
              return taken;
            },
          },
          handshakeRateLimit(limiters, config),
          (holder) => revocations.revoked(holder),
        ),
    },
  ],
  exports: [HandshakeAuthenticator, ClientAddressModule, RevocationList, TokenLifetime],
})
export class AuthModule {}
