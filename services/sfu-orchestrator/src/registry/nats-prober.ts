import { SfuNodePingReply, type Subjects, replySchema, wireJson } from '@cascade/contracts';
import { natsNoAnswer } from '@cascade/sfu-client';
import { Empty, type NatsConnection } from '@nats-io/transport-node';

import type { Prober } from './node-liveness';

const json = wireJson;
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
      return natsNoAnswer(error) === 'no-responders' ? 'no-responders' : 'no-answer';
    }
  };
}
