import { createSubjects } from '@cascade/contracts';
import { type NatsBus, withTimeout } from '@cascade/server-kit';
import { JSONCodec } from 'nats';

import type { MemberRoleQuery } from './admin-grant';

const json = JSONCodec<unknown>();

/**
 * `rooms.member-role` over NATS: one request, bounded by `timeoutMs` (waiting for the connection
 * included). Resolves with the decoded reply; a timeout, no responder or a closed connection
 * throws.
 */
export function natsMemberRoleQuery(
  bus: NatsBus,
  subjectPrefix: string,
  timeoutMs: number,
): MemberRoleQuery {
  const subject = createSubjects(subjectPrefix).roomsMemberRole();
  return async (request) => {
    const nc = await withTimeout(bus.connected(), timeoutMs, 'NATS connection');
    const msg = await nc.request(subject, json.encode(request), { timeout: timeoutMs });
    return json.decode(msg.data);
  };
}
