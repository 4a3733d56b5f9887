import { packageVersion, runService } from '@cascade/server-kit';

import { roomsModules } from './app';
import { RoomsConfigSchema } from './config';
import { setupOpenApi } from './http/openapi';

const version = packageVersion(__dirname);

void runService({
  name: 'rooms',
  version,
  configSchema: RoomsConfigSchema,
  uses: { nats: true, postgres: true },
  modules: () => roomsModules(),
  configureApp: (app) => setupOpenApi(app, version),
});
