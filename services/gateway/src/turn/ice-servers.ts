import type { IceServer } from '@cascade/contracts';

import type { GatewayConfig } from '../config';
import { TurnCredentials } from './turn-credentials';

/** The ICE servers one session is handed: given its participant id. */
export type IceServersFor = (participantId: string) => IceServer[];

/**
 * What each session is told to use for ICE: the configured static servers
 * (`GATEWAY_ICE_SERVERS`, e.g. STUN), then, with `GATEWAY_TURN_URLS`, the TURN servers with a
 * credential minted for this session that expires after `GATEWAY_TURN_CREDENTIAL_TTL_SECONDS`.
 */
export function iceServersFor(
  config: Pick<
    GatewayConfig,
    | 'GATEWAY_ICE_SERVERS'
    | 'GATEWAY_TURN_URLS'
    | 'GATEWAY_TURN_SECRET'
    | 'GATEWAY_TURN_CREDENTIAL_TTL_SECONDS'
  >,
  clock: () => number = Date.now,
): IceServersFor {
  const fixed = config.GATEWAY_ICE_SERVERS;
  if (config.GATEWAY_TURN_URLS.length === 0 || config.GATEWAY_TURN_SECRET === undefined)
    return () => fixed;
  const turn = new TurnCredentials(
    {
      urls: config.GATEWAY_TURN_URLS,
      secret: config.GATEWAY_TURN_SECRET,
      ttlSeconds: config.GATEWAY_TURN_CREDENTIAL_TTL_SECONDS,
    },
    clock,
  );
  return (participantId) => [...fixed, turn.iceServer(participantId)];
}
