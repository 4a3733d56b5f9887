import type { Provider } from '@nestjs/common';
import {
  JwksKeySource,
  ReadinessRegistry,
  SERVICE_CONFIG,
  jwksReadinessCheck,
  jwksRefreshTimings,
} from '@cascade/server-kit';

import type { GatewayConfig } from '../config';

/**
 * Identity's signing keys, fetched from its JWKS and cached, shared by the join-token and the
 * access-token verifiers; `jwks` is undefined when the keys come from GATEWAY_AUTH_PUBLIC_KEYS.
 */
export const SIGNING_KEYS = Symbol('SIGNING_KEYS');
export interface SigningKeys {
  readonly jwks: JwksKeySource | undefined;
}

/**
 * The key source, and the `jwks` readiness check on it: the gateway is ready while its cached
 * keys are younger than GATEWAY_AUTH_JWKS_MAX_STALENESS_MS, whether identity answers this second
 * or not (so an identity hiccup does not take every gateway out of service). The keys are
 * refreshed in the background well before the limit.
 */
export const signingKeysProvider: Provider = {
  provide: SIGNING_KEYS,
  inject: [SERVICE_CONFIG, ReadinessRegistry],
  useFactory: (config: GatewayConfig, readiness: ReadinessRegistry): SigningKeys => {
    const url = config.GATEWAY_AUTH_JWKS_URL;
    if (!url) return { jwks: undefined };
    const maxStalenessMs = config.GATEWAY_AUTH_JWKS_MAX_STALENESS_MS;
    const keys = new JwksKeySource({ url, ...jwksRefreshTimings(maxStalenessMs) });
    readiness.register(jwksReadinessCheck(keys, { maxStalenessMs }));
    return { jwks: keys };
  },
};
