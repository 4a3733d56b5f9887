import { describeServiceBoot } from '@cascade/testing';

import { AUTH_ENV } from './support/harness';

describeServiceBoot({
  service: 'rooms',
  uses: ['nats', 'postgres'],
  optionalUses: ['redis'],
  env: AUTH_ENV,
});
