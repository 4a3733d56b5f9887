import { packageVersion, runService } from '@cascade/server-kit';

import { roomsModules } from './app';
import { RoomsConfigSchema } from './config';
import { setupOpenApi } from './http/openapi';

const version = packageVersion(__dirname);

void runService({
  name: 'rooms',
  version,
  configSchema: RoomsConfigSchema,
  // Redis holds the rate limits only: without it they count in memory and rooms keeps serving.
  uses: { nats: true, postgres: true, redis: 'optional' },
  modules: () => roomsModules(),
  configureApp: (app) => setupOpenApi(app, version),
});
