import { ClientAddressModule, NatsBus, SERVICE_CONFIG } from '@cascade/server-kit';
import { Module } from '@nestjs/common';

import { IdentityConfig } from '../config';
import { Database } from '../database/database.module';
import { KeysModule } from '../keys/keys.module';
import { SigningKeys } from '../keys/signing-keys';
import { Authenticator } from './authenticator';
import { BrowserSessions } from './browser-sessions';
import { RefreshCookie } from './refresh-cookie';
import { RequestLimiter } from './request-limiter';
import { natsRevocationNotice } from './revocation-publisher';
import { Sessions } from './sessions';
import { SessionsController } from './sessions.controller';

@Module({
  imports: [KeysModule, ClientAddressModule.forRoot('IDENTITY_TRUST_PROXY')],
  controllers: [SessionsController],
  providers: [
    {
      provide: Sessions,
      inject: [Database, SigningKeys, SERVICE_CONFIG, NatsBus],
      useFactory: (db: Database, keys: SigningKeys, config: IdentityConfig, bus: NatsBus) =>
        new Sessions(
          db.prisma,
          keys,
          {
            issuer: config.IDENTITY_ISSUER,
            audience: config.IDENTITY_ACCESS_TOKEN_AUDIENCE,
            accessTokenTtlSeconds: config.IDENTITY_ACCESS_TOKEN_TTL_SECONDS,
            refreshTokenTtlSeconds: config.IDENTITY_REFRESH_TOKEN_TTL_SECONDS,
            refreshReuseGraceSeconds: config.IDENTITY_REFRESH_REUSE_GRACE_SECONDS,
          },
          Date.now,
          natsRevocationNotice(bus, config.NATS_SUBJECT_PREFIX),
        ),
    },
    {
      provide: BrowserSessions,
      inject: [Sessions, SERVICE_CONFIG],
      useFactory: (sessions: Sessions, config: IdentityConfig) =>
        new BrowserSessions(
          sessions,
          new RefreshCookie({
            path: config.IDENTITY_REFRESH_COOKIE_PATH,
            secure: config.IDENTITY_REFRESH_COOKIE_SECURE,
            maxAgeSeconds: config.IDENTITY_REFRESH_TOKEN_TTL_SECONDS,
          }),
        ),
    },
    Authenticator,
    RequestLimiter,
  ],
  exports: [Sessions, BrowserSessions, Authenticator, RequestLimiter],
})
export class SessionsModule {}
