import { packageVersion, runService } from '@cascade/server-kit';

import { GatewayConfigSchema } from './config';
import { EventsModule } from './events/event-forwarder';
import { SignalingModule } from './signaling/signaling.module';

void runService({
  name: 'gateway',
  version: packageVersion(__dirname),
  configSchema: GatewayConfigSchema,
  uses: { nats: true, redis: true },
  modules: () => [SignalingModule, EventsModule],
});
