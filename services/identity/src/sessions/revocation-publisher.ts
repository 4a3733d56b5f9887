import { CredentialRevokedEvent, createSubjects, parseOrThrow, wireJson } from '@cascade/contracts';
import { NatsBus, withTimeout } from '@cascade/server-kit';
import { Logger } from '@nestjs/common';

const json = wireJson;

/** Tells the gateways that a credential was revoked (whoever revokes it calls this). */
export type RevocationNotice = (event: CredentialRevokedEvent) => Promise<void>;

/** How long a revocation waits for NATS to be connected before it is given up (and logged). */
const CONNECT_TIMEOUT_MS = 2_000;

/**
 * Publishes a revocation on `subjects.credentialRevocations(tenant)`, where every gateway instance
 * listens and ends the live sessions the credential opened. The database is the truth and the
 * revocation there stands whatever happens here: a publish that fails is logged (the sessions
 * then end when their join tokens expire), never turned into a failed request.
 */
export function natsRevocationNotice(bus: NatsBus, subjectPrefix: string): RevocationNotice {
  const subjects = createSubjects(subjectPrefix);
  const logger = new Logger('revocations');
  return async (event) => {
    const body = parseOrThrow(CredentialRevokedEvent, event, 'revocation');
    try {
      const nc = await withTimeout(bus.connected(), CONNECT_TIMEOUT_MS, 'NATS connection');
      nc.publish(subjects.credentialRevocations(body.tenantId), json.encode(body));
    } catch (error) {
      logger.error({ ...body, error: String(error), msg: 'revocation not announced to gateways' });
    }
  };
}

/** Nobody listens (unit tests, tools). */
export const NO_REVOCATION_NOTICE: RevocationNotice = async () => undefined;
