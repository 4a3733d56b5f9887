import { Global, Module } from '@nestjs/common';
import { JwtVerifier, SERVICE_CONFIG } from '@cascade/server-kit';

import type { RoomsConfig } from '../config';
import { ACCESS_TOKEN_VERIFIER, AuthGuard } from './auth.guard';

@Global()
@Module({
  providers: [
    {
      provide: ACCESS_TOKEN_VERIFIER,
      inject: [SERVICE_CONFIG],
      useFactory: (config: RoomsConfig) =>
        new JwtVerifier({
          jwksUrl: config.ROOMS_AUTH_JWKS_URL,
          keys: config.ROOMS_AUTH_PUBLIC_KEYS,
          issuer: config.ROOMS_AUTH_ISSUER,
          audience: config.ROOMS_AUTH_AUDIENCE,
        }),
    },
    AuthGuard,
  ],
  exports: [ACCESS_TOKEN_VERIFIER, AuthGuard],
})
export class AuthModule {}
