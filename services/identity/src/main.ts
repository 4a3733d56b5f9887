import { packageVersion, runService } from '@cascade/server-kit';

import { IdentityConfigSchema } from './config';
import { configureIdentityApp, identityModules } from './identity';

const version = packageVersion(__dirname);

void runService({
  name: 'identity',
  version,
  configSchema: IdentityConfigSchema,
  uses: { nats: true, postgres: true },
  modules: identityModules,
  configureApp: (app) => configureIdentityApp(app, version),
});
