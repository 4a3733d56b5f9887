import type { MediaSource } from '@cascade/contracts';
import type { types as ms } from 'mediasoup';

/** Where a node's transports listen and what address they announce. */
export interface TransportSettings {
  listenIp: string;
  announcedAddress: string;
  portRange: { min: number; max: number };
  /** mediasoup's downlink bandwidth estimation on WebRTC transports (SFU_BWE_ENABLED). */
  enableBwe?: boolean;
}

/** A producer of a room on this node: local, or piped in from another node. */
export interface ProducerEntry {
  producer: ms.Producer;
  participantId: string;
  source: MediaSource;
  workerIndex: number;
  /** Set for a producer piped in from another node. */
  fromNodeId?: string;
}

/** Why a producer left the room. */
export type ProducerGoneReason =
  'closed' | 'transport-closed' | 'participant-removed' | 'worker-died' | 'pipe-closed';

/**
 * What a pipe link needs from its room. The room implements it; the link knows nothing else of
 * the room (so `pipe-link.ts` does not import `node-room.ts`, which imports it).
 */
export interface PipeRoom {
  router(workerIndex: number): Promise<ms.Router>;
  producerEntry(producerId: string): ProducerEntry | undefined;
  /** Makes a producer consumable on `workerIndex`'s router. */
  ensureProducerOn(producerId: string, workerIndex: number): Promise<void>;
  registerProducer(entry: ProducerEntry): void;
  producerGone(producerId: string, reason: ProducerGoneReason): void;
  setPipedProducerPaused(producerId: string, paused: boolean): Promise<void>;
  /** Told each time a silent video consumer's key frame is asked for again (metrics). */
  keyFrameRequested(): void;
}
