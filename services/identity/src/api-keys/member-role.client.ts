import { createSubjects } from '@cascade/contracts';
import type { NatsBus } from '@cascade/server-kit';

import type { MemberRoleQuery } from './admin-grant';

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
  return (request) => bus.request(subject, request, timeoutMs);
}
