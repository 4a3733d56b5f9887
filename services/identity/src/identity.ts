import type { DynamicModule, INestApplication, Type } from '@nestjs/common';

import { ApiKeysModule } from './api-keys/api-keys.module';
import { AuthMethodsModule } from './auth-methods/auth-methods.module';
import { IdentityConfig, googleEnabled } from './config';
import { DatabaseModule } from './database/database.module';
import { DevLoginModule } from './dev-login/dev-login.module';
import { setUpDocs } from './docs/openapi';
import { FriendsModule } from './friends/friends.module';
import { GoogleModule } from './google/google.module';
import { OAuthStateSweeperModule } from './google/oauth-state-sweeper';
import { KeysModule } from './keys/keys.module';
import { ProfilesModule } from './profiles/profiles.module';
import { SessionsModule } from './sessions/sessions.module';
import { TenantSettingsModule } from './tenants/tenant-settings.responder';
import { TenantsModule } from './tenants/tenants.module';

/** The identity service's capabilities; sign-in methods only where configured. */
export function identityModules(config: IdentityConfig): Array<Type | DynamicModule> {
  return [
    DatabaseModule,
    KeysModule,
    SessionsModule,
    AuthMethodsModule,
    TenantsModule,
    TenantSettingsModule,
    ProfilesModule,
    ApiKeysModule,
    FriendsModule,
    OAuthStateSweeperModule,
    ...(config.IDENTITY_DEV_LOGIN ? [DevLoginModule] : []),
    ...(googleEnabled(config) ? [GoogleModule] : []),
  ];
}

export function configureIdentityApp(app: INestApplication, version: string): void {
  setUpDocs(app, version);
}
