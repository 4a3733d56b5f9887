import { generateKeyPairSync } from 'node:crypto';

import { describeServiceBoot } from '@cascade/testing';

// Join tokens verified with a key from configuration (no identity service in this suite).
const { publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });

describeServiceBoot({
  service: 'gateway',
  uses: ['nats', 'redis'],
  env: {
    GATEWAY_AUTH_PUBLIC_KEYS: publicKey.export({ type: 'spki', format: 'pem' }) as string,
    GATEWAY_AUTHORIZE_JOINS: 'false',
  },
});
