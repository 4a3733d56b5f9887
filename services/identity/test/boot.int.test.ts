import { describeServiceBoot } from '@cascade/testing';

import { TEST_KEYS } from './support/identity-harness';

describeServiceBoot({
  service: 'identity',
  uses: ['nats', 'postgres'],
  optionalUses: ['redis'],
  env: { IDENTITY_SIGNING_KEYS: JSON.stringify({ k1: TEST_KEYS.k1 }) },
});
