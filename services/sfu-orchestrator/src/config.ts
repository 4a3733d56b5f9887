import { baseEnv, natsEnv, redisEnv, refineRedisEnv } from '@cascade/server-kit';
import { z } from 'zod';

import { PlacementEnv } from './placement/placement-config';

const ms = (fallback: number) => z.coerce.number().int().min(10).max(3_600_000).default(fallback);

export const OrchestratorConfigSchema = z
  .object({
    ...baseEnv(3003),
    ...natsEnv,
    ...redisEnv,
    /** A node whose last heartbeat is older than this takes no new participants. */
    ORCH_NODE_STALE_MS: ms(5_000),
    /** A node silent for this long is dead: its participants reconnect elsewhere. */
    ORCH_NODE_DEAD_MS: ms(10_000),
    /**
     * A node whose heartbeat is this late is probed on its ping subject: "no responders" there
     * means its process is gone, and it is dead at once instead of after ORCH_NODE_DEAD_MS.
     */
    ORCH_NODE_SUSPECT_MS: z.coerce.number().int().min(100).max(3_600_000).default(1_500),
    /**
     * How long a probe waits for the node's answer, and the least time between two probes of
     * one node. A probe that is not answered (a busy node) proves nothing.
     */
    ORCH_NODE_PROBE_TIMEOUT_MS: z.coerce.number().int().min(50).max(60_000).default(1_000),
    ...PlacementEnv,
    /** How long a piped producer nobody consumes any more is kept before it is closed. */
    ORCH_PIPE_LINGER_MS: ms(5_000),
    /** Lease of a room's leadership by one replica; renewed every third of it. */
    ORCH_ROOM_LEASE_MS: ms(10_000),
    /** Timeout of requests to SFU nodes and to other replicas. */
    ORCH_REQUEST_TIMEOUT_MS: ms(5_000),
    /** After start, how long to listen to heartbeats before reconciling stored rooms. */
    ORCH_WARMUP_MS: ms(3_000),
  })
  .superRefine(refineRedisEnv)
  .refine((c) => c.ORCH_NODE_DEAD_MS > c.ORCH_NODE_STALE_MS, {
    message: 'must be longer than ORCH_NODE_STALE_MS',
    path: ['ORCH_NODE_DEAD_MS'],
  })
  .refine((c) => c.NATS_PING_INTERVAL_MS * (c.NATS_MAX_PINGS_OUT + 1) < c.ORCH_NODE_DEAD_MS, {
    // Silence is not counted while this replica is disconnected (node-registry.ts); a silent
    // partition of its own must be noticed as a disconnection before silence kills any node.
    message:
      'must be longer than NATS_PING_INTERVAL_MS × (NATS_MAX_PINGS_OUT + 1), the time to notice a silent NATS partition',
    path: ['ORCH_NODE_DEAD_MS'],
  })
  .refine((c) => c.ORCH_NODE_SUSPECT_MS < c.ORCH_NODE_DEAD_MS, {
    message: 'must be shorter than ORCH_NODE_DEAD_MS',
    path: ['ORCH_NODE_SUSPECT_MS'],
  })
  .refine((c) => c.ORCH_NODE_PROBE_TIMEOUT_MS < c.ORCH_NODE_DEAD_MS, {
    message: 'must be shorter than ORCH_NODE_DEAD_MS',
    path: ['ORCH_NODE_PROBE_TIMEOUT_MS'],
  })
  .refine((c) => c.ORCH_STICKY_THRESHOLD <= c.ORCH_OVERLOAD_THRESHOLD, {
    message: 'must not exceed ORCH_OVERLOAD_THRESHOLD',
    path: ['ORCH_STICKY_THRESHOLD'],
  });

export type OrchestratorConfig = z.output<typeof OrchestratorConfigSchema>;
