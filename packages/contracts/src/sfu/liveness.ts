import { z } from 'zod';

import { SfuNodeState } from '../heartbeat';
import { NodeId } from '../ids';

/**
 * A node's liveness probe, request/reply on `subjects.sfuNodePing(nodeId)`. The node's process
 * answers it while it runs; when the process dies, its NATS connection closes and the server
 * drops its subscription at once, so a probe of a dead node gets NATS's "no responders" straight
 * away instead of waiting out a timeout. A probe that only times out (a busy or frozen process
 * whose connection is still open) proves nothing, and heartbeats stay the backstop.
 *
 * The request body is empty; the reply is `okReply(SfuNodePingReply)`.
 */
export const SfuNodePingReply = z.object({
  nodeId: NodeId,
  state: SfuNodeState,
});
export type SfuNodePingReply = z.infer<typeof SfuNodePingReply>;
