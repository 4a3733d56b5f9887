import { accessSync, constants } from 'node:fs';
import { availableParallelism, hostname } from 'node:os';

import { Region, deriveNodeId } from '@cascade/contracts';
import { baseEnv, envBoolean, natsEnv, port } from '@cascade/server-kit';
import { z } from 'zod';

const executableFile = z.string().refine(
  (path) => {
    try {
      accessSync(path, constants.X_OK);
      return true;
    } catch {
      return false;
    }
  },
  {
    message:
      'must be the path of an executable mediasoup-worker binary (see tools/mediasoup-worker)',
  },
);

export const SfuNodeConfigSchema = z
  .object({
    ...baseEnv(3004),
    ...natsEnv,
    /**
     * The worker binary. mediasoup reads this variable itself when it is loaded; validating it
     * here turns a wrong path into a clear start-up error instead of a failed spawn later.
     */
    MEDIASOUP_WORKER_BIN: executableFile.optional(),
    MEDIASOUP_NUM_WORKERS: z.coerce.number().int().min(1).max(256).default(availableParallelism()),
    MEDIASOUP_LOG_LEVEL: z.enum(['debug', 'warn', 'error', 'none']).default('warn'),
    /** Port range for plain and pipe transports (WebRTC uses the fixed WebRtcServer ports). */
    MEDIASOUP_RTC_MIN_PORT: port().default(40_100),
    MEDIASOUP_RTC_MAX_PORT: port().default(49_999),

    /**
     * This node's id in NATS subjects, heartbeats and placement, or the name it is derived from
     * (`deriveNodeId`: a Kubernetes node name such as `ip-10-0-0-1.eu-west-1.compute.internal`
     * becomes `ip-10-0-0-1_eu-west-1_compute_internal`; a valid id stays as it is). Default: the
     * host name.
     */
    SFU_NODE_ID: z.string().trim().min(1).max(255).default(hostname()),
    /**
     * Where several sfu-nodes share one host (no host networking): the pod name, made part of
     * the id so that each has its own. Unset on a DaemonSet (one per host, a stable id).
     */
    SFU_POD_NAME: z.string().trim().max(253).optional(),
    SFU_REGION: Region.default('local'),
    /** Address media sockets bind to (a pod's own IP; 127.0.0.1 locally). */
    SFU_LISTEN_IP: z.union([z.ipv4(), z.ipv6()]).default('127.0.0.1'),
    /** Address clients and peer nodes reach this node at (the host's public IP). */
    SFU_ANNOUNCED_ADDRESS: z.string().min(1).max(255).default('127.0.0.1'),
    /** Worker i's WebRtcServer listens on UDP and TCP port SFU_WEBRTC_PORT_BASE + i. */
    SFU_WEBRTC_PORT_BASE: port().default(40_000),
    SFU_HEARTBEAT_INTERVAL_MS: z.coerce.number().int().min(200).max(10_000).default(1_000),
    /** How often transport bitrates are sampled for the heartbeat. */
    SFU_STATS_INTERVAL_MS: z.coerce.number().int().min(500).max(60_000).default(5_000),
    /** An empty room's routers stay this long, so a quick rejoin finds them. */
    SFU_ROOM_LINGER_MS: z.coerce.number().int().min(0).max(600_000).default(10_000),
    /** Draining keeps current rooms this long at most before the node exits anyway. */
    SFU_DRAIN_GRACE_MS: z.coerce.number().int().min(0).max(86_400_000).default(3_600_000),
    SFU_MAX_STREAMS: z.coerce.number().int().positive().default(2_000),
    SFU_MAX_BITRATE_OUT_BPS: z.coerce.number().int().positive().default(1_000_000_000),
    /**
     * mediasoup's downlink bandwidth estimation on the transports clients receive on
     * (`enableBwe`). Off by default: mediasoup 3.32's new estimator (3.32.0) can settle below the
     * cost of one video and then starves every layered video consumer of that receiver for good
     * (measured in the four-participant end-to-end test under load: 3 of 3 runs; issue 17). Off,
     * each consumer forwards the layers its client and view prefer. The transports clients send
     * on always have it: it is what gives publishers congestion feedback (room-transports.ts).
     */
    SFU_BWE_ENABLED: envBoolean().default(false),
    SFU_MAX_TRANSPORTS_PER_PARTICIPANT: z.coerce.number().int().min(1).max(64).default(4),
    SFU_MAX_PRODUCERS_PER_PARTICIPANT: z.coerce.number().int().min(1).max(64).default(8),
    SFU_MAX_CONSUMERS_PER_PARTICIPANT: z.coerce.number().int().min(1).max(10_000).default(500),
    SFU_MAX_DATA_CHANNELS_PER_PARTICIPANT: z.coerce.number().int().min(0).max(1_000).default(16),
  })
  .refine((c) => c.MEDIASOUP_RTC_MIN_PORT <= c.MEDIASOUP_RTC_MAX_PORT, {
    message: 'must not be above MEDIASOUP_RTC_MAX_PORT',
    path: ['MEDIASOUP_RTC_MIN_PORT'],
  })
  .transform((c) => ({ ...c, SFU_NODE_ID: deriveNodeId(c.SFU_NODE_ID, c.SFU_POD_NAME) }));

export type SfuNodeConfig = z.output<typeof SfuNodeConfigSchema>;
