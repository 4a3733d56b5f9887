import { describeServiceBoot } from '@cascade/testing';

import { AUTH_ENV } from './support/harness';

describeServiceBoot({ service: 'rooms', uses: ['nats', 'postgres'], env: AUTH_ENV });
