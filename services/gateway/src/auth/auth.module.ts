import { Module } from '@nestjs/common';
import { JwtVerifier, ReadinessRegistry, SERVICE_CONFIG } from '@cascade/server-kit';

import type { GatewayConfig } from '../config';
import { ParticipantSessions } from '../sessions/participant-sessions';
import { SessionsModule } from '../sessions/sessions.module';
import { HandshakeAuthenticator } from './handshake';

/** Verifies join tokens: identity's JWKS (cached, refreshed on an unknown `kid`) or PEM keys. */
export const JOIN_TOKEN_VERIFIER = Symbol('JOIN_TOKEN_VERIFIER');

@Module({
  imports: [SessionsModule],
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
        return new JwtVerifier({
          ...(jwksUrl ? { jwksUrl } : { keys: config.GATEWAY_AUTH_PUBLIC_KEYS ?? [] }),
          issuer: config.GATEWAY_AUTH_ISSUER,
          audience: config.GATEWAY_AUTH_AUDIENCE,
        });
      },
    },
    {
      provide: HandshakeAuthenticator,
      inject: [JOIN_TOKEN_VERIFIER, ParticipantSessions],
      useFactory: (verifier: JwtVerifier, sessions: ParticipantSessions) =>
        new HandshakeAuthenticator(verifier, async (resumeToken, socketId) => {
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
        }),
    },
  ],
  exports: [HandshakeAuthenticator],
})
export class AuthModule {}
