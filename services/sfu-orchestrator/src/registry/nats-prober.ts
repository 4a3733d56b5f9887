import { SfuNodePingReply, type Subjects, replySchema } from '@cascade/contracts';
import { Empty, ErrorCode, JSONCodec, type NatsConnection, NatsError } from 'nats';

import type { Prober } from './node-liveness';

const json = JSONCodec<unknown>();
const pingReply = replySchema(SfuNodePingReply);

/**
 * Probes a node's ping subject over NATS. NATS's "no responders" status (the server's immediate
 * answer to a request nobody subscribes to) is the one outcome that says the node is gone; a
 * timeout, a failed request or an answer from someone else proves nothing.
 */
export function natsProber(
  nc: () => NatsConnection,
  subjects: Subjects,
  timeoutMs: number,
): Prober {
  return async (nodeId) => {
    try {
      const msg = await nc().request(subjects.sfuNodePing(nodeId), Empty, { timeout: timeoutMs });
      const reply = pingReply.safeParse(json.decode(msg.data));
      return reply.success && reply.data.ok && reply.data.data.nodeId === nodeId
        ? 'answered'
        : 'no-answer';
    } catch (error) {
      return error instanceof NatsError && error.code === ErrorCode.NoResponders
        ? 'no-responders'
        : 'no-answer';
    }
  };
}
