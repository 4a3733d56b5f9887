import { packageVersion, runService } from '@cascade/server-kit';

import { IdentityConfigSchema } from './config';
import { configureIdentityApp, identityModules } from './identity';

const version = packageVersion(__dirname);

void runService({
  name: 'identity',
  version,
  configSchema: IdentityConfigSchema,
  // Redis holds the rate limits only: without it they count in memory and identity keeps serving.
  uses: { nats: true, postgres: true, redis: 'optional' },
  modules: identityModules,
  configureApp: (app) => configureIdentityApp(app, version),
});
