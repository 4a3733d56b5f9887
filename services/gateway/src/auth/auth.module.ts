import { Logger, Module } from '@nestjs/common';
import { JwtVerifier, ReadinessRegistry, SERVICE_CONFIG } from '@cascade/server-kit';

import type { GatewayConfig } from '../config';
import { ParticipantSessions } from '../sessions/participant-sessions';
import { SessionsModule } from '../sessions/sessions.module';
import { UserConnectionSlots } from '../user-connections/user-connection-slots';
import { UserConnectionsModule } from '../user-connections/user-connections.module';
import { HandshakeAuthenticator } from './handshake';

/** Verifies join tokens: identity's JWKS (cached, refreshed on an unknown `kid`) or PEM keys. */
export const JOIN_TOKEN_VERIFIER = Symbol('JOIN_TOKEN_VERIFIER');
/** Verifies access tokens (user connections): the same keys and issuer, the API audience. */
export const ACCESS_TOKEN_VERIFIER = Symbol('ACCESS_TOKEN_VERIFIER');

const logger = new Logger('user-connections');

/** A verifier of identity's tokens for one audience. */
function verifierFor(config: GatewayConfig, audience: string): JwtVerifier {
  const jwksUrl = config.GATEWAY_AUTH_JWKS_URL;
  return new JwtVerifier({
    ...(jwksUrl ? { jwksUrl } : { keys: config.GATEWAY_AUTH_PUBLIC_KEYS ?? [] }),
    issuer: config.GATEWAY_AUTH_ISSUER,
    audience,
  });
}

@Module({
  imports: [SessionsModule, UserConnectionsModule],
  providers: [
    {
      provide: JOIN_TOKEN_VERIFIER,
      inject: [SERVICE_CONFIG, ReadinessRegistry],
      useFactory: (config: GatewayConfig, readiness: ReadinessRegistry) => {
        const jwksUrl = config.GATEWAY_AUTH_JWKS_URL;
        if (jwksUrl) {
          // Ready only while identity's keys can be fetched: tokens cannot be verified without.
          readiness.register({
            name: 'jwks',
            check: async () => {
              const res = await fetch(jwksUrl, { signal: AbortSignal.timeout(1_000) });
              await res.body?.cancel();
              if (!res.ok) throw new Error(`JWKS ${jwksUrl} answered ${res.status}`);
            },
          });
        }
        return verifierFor(config, config.GATEWAY_AUTH_AUDIENCE);
      },
    },
    {
      provide: ACCESS_TOKEN_VERIFIER,
      inject: [SERVICE_CONFIG],
      useFactory: (config: GatewayConfig) => verifierFor(config, config.GATEWAY_ACCESS_AUDIENCE),
    },
    {
      provide: HandshakeAuthenticator,
      inject: [
        JOIN_TOKEN_VERIFIER,
        ACCESS_TOKEN_VERIFIER,
        ParticipantSessions,
        UserConnectionSlots,
      ],
      useFactory: (
        joinTokens: JwtVerifier,
        accessTokens: JwtVerifier,
        sessions: ParticipantSessions,
        slots: UserConnectionSlots,
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
        ),
    },
  ],
  exports: [HandshakeAuthenticator],
})
export class AuthModule {}
