import { z } from 'zod';

import { NodeId, Region } from './ids';

export const SfuNodeState = z.enum(['starting', 'serving', 'draining']);
export type SfuNodeState = z.infer<typeof SfuNodeState>;

const count = z.number().int().nonnegative();
const bitsPerSecond = z.number().nonnegative().finite();

/** Load of one mediasoup worker on a node. */
export const SfuWorkerLoad = z.object({
  index: count,
  pid: z.number().int().positive(),
  /** CPU used since the previous heartbeat, as a fraction of one core (0..1, may exceed 1 briefly). */
  cpu: z.number().nonnegative().finite(),
  routers: count,
  transports: count,
  producers: count,
  consumers: count,
  pipeConsumers: count,
  bitrateInBps: bitsPerSecond,
  bitrateOutBps: bitsPerSecond,
});
export type SfuWorkerLoad = z.infer<typeof SfuWorkerLoad>;

export const SfuNodeAddresses = z.object({
  /** The address that clients and peer nodes reach this node's media on. */
  announcedAddress: z.string().min(1).max(255),
  /** Base of the fixed WebRtcServer ports: worker i listens on `rtcBasePort + i`. */
  rtcBasePort: z.number().int().min(1).max(65_535),
});

export const SfuNodeCapacity = z.object({
  /** Streams (producers + consumers + pipe consumers) the node is sized for. */
  maxStreams: z.number().int().positive(),
  /** Outgoing bandwidth the node is sized for. */
  maxBitrateOutBps: z.number().positive().finite(),
});

/** Published by every SFU node every 1–2 s on `subjects.sfuHeartbeat(nodeId)`. */
export const SfuNodeHeartbeat = z.object({
  nodeId: NodeId,
  region: Region,
  state: SfuNodeState,
  version: z.string().min(1).max(64),
  addresses: SfuNodeAddresses,
  capacity: SfuNodeCapacity,
  workers: z.array(SfuWorkerLoad).max(1_024),
  totals: z.object({
    rooms: count,
    participants: count,
    producers: count,
    consumers: count,
    pipeConsumers: count,
    bitrateInBps: bitsPerSecond,
    bitrateOutBps: bitsPerSecond,
  }),
  /** Milliseconds since the epoch at the node when it was sent. */
  sentAt: z.number().int().positive(),
  /** Increments with every heartbeat of one node process; resets when the node restarts. */
  sequence: count,
});
export type SfuNodeHeartbeat = z.infer<typeof SfuNodeHeartbeat>;
