import { Jwks } from '@cascade/contracts';
import { SERVICE_CONFIG } from '@cascade/server-kit';
import { Controller, Get, Header, Module } from '@nestjs/common';
import { ApiOkResponse, ApiTags } from '@nestjs/swagger';

import { IdentityConfig } from '../config';
import { openApiSchema } from '../docs/openapi';
import { SigningKeys } from './signing-keys';

@ApiTags('keys')
@Controller('.well-known')
export class JwksController {
  constructor(private readonly keys: SigningKeys) {}

  /** The public keys that verify identity's access and join tokens, by `kid`. */
  @Get('jwks.json')
  @Header('cache-control', 'public, max-age=300')
  @ApiOkResponse({ schema: openApiSchema(Jwks, 'output') })
  jwks(): Jwks {
    return this.keys.jwks();
  }
}

@Module({
  controllers: [JwksController],
  providers: [
    {
      provide: SigningKeys,
      inject: [SERVICE_CONFIG],
      useFactory: (config: IdentityConfig) =>
        new SigningKeys(config.IDENTITY_SIGNING_KEYS, config.IDENTITY_ACTIVE_KEY_ID),
    },
  ],
  exports: [SigningKeys],
})
export class KeysModule {}
