import type { SfuNodeHeartbeat } from '@cascade/contracts';

import type { SfuNode } from '../media/sfu-node';
import type { LoadSampler } from './load-sampler';

export interface HeartbeatIdentity {
  region: string;
  version: string;
  announcedAddress: string;
  rtcBasePort: number;
  maxStreams: number;
  maxBitrateOutBps: number;
}

/** Builds the node's heartbeat: who it is, its state, and each worker's load with totals. */
export class HeartbeatBuilder {
  #sequence = 0;

  constructor(
    private readonly node: SfuNode,
    private readonly sampler: LoadSampler,
    private readonly identity: HeartbeatIdentity,
  ) {}

  async build(): Promise<SfuNodeHeartbeat> {
    const workers = await this.sampler.workerLoads();
    const sum = (
      key: 'producers' | 'consumers' | 'pipeConsumers' | 'bitrateInBps' | 'bitrateOutBps',
    ) => workers.reduce((total, w) => total + w[key], 0);
    return {
      nodeId: this.node.nodeId,
      region: this.identity.region,
      state: this.node.state,
      version: this.identity.version,
      addresses: {
        announcedAddress: this.identity.announcedAddress,
        rtcBasePort: this.identity.rtcBasePort,
      },
      capacity: {
        maxStreams: this.identity.maxStreams,
        maxBitrateOutBps: this.identity.maxBitrateOutBps,
      },
      workers,
      totals: {
        rooms: this.node.rooms.size,
        participants: this.node.participantCount,
        producers: sum('producers'),
        consumers: sum('consumers'),
        pipeConsumers: sum('pipeConsumers'),
        bitrateInBps: sum('bitrateInBps'),
        bitrateOutBps: sum('bitrateOutBps'),
      },
      sentAt: Date.now(),
      sequence: this.#sequence++,
    };
  }
}
