import { Logger, Module } from '@nestjs/common';
import {
  ClientAddressModule,
  JwtVerifier,
  RateLimiters,
  SERVICE_CONFIG,
  addressBucket,
} from '@cascade/server-kit';

import type { GatewayConfig } from '../config';
import { ParticipantSessions } from '../sessions/participant-sessions';
import { SessionsModule } from '../sessions/sessions.module';
import { UserConnectionSlots } from '../user-connections/user-connection-slots';
import { UserConnectionsModule } from '../user-connections/user-connections.module';
import { HandshakeAuthenticator, type HandshakeRateLimit } from './handshake';
import { SIGNING_KEYS, type SigningKeys, signingKeysProvider } from './signing-keys';

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
      provide: HandshakeAuthenticator,
      inject: [
        JOIN_TOKEN_VERIFIER,
        ACCESS_TOKEN_VERIFIER,
        ParticipantSessions,
        UserConnectionSlots,
        RateLimiters,
        SERVICE_CONFIG,
      ],
      useFactory: (
        joinTokens: JwtVerifier,
        accessTokens: JwtVerifier,
        sessions: ParticipantSessions,
        slots: UserConnectionSlots,
        limiters: RateLimiters,
        config: GatewayConfig,
      ) =>
        new HandshakeAuthenticator(
          { joinTokens, accessTokens },
          async (resumeToken, socketId) => {
            const session = await sessions.claimResume(resumeToken, socketId);
            return (
              session && {
                tenantId: session.tenantId,
                userId: session.userId,
                roomId: session.roomId,
                grants: session.grants,
                displayName: session.displayName,
                participantId: session.participantId,
                nodeId: session.nodeId,
                workerIndex: session.workerIndex,
              }
            );
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
        ),
    },
  ],
  exports: [HandshakeAuthenticator, ClientAddressModule],
})
export class AuthModule {}
