import { packageVersion, runService } from '@cascade/server-kit';

import { IdentityConfigSchema } from './config';

void runService({
  name: 'identity',
  version: packageVersion(__dirname),
  configSchema: IdentityConfigSchema,
  uses: { nats: true, postgres: true },
  modules: () => [],
});
