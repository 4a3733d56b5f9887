import type { SfuRoomEvent } from '@cascade/contracts';

/** Where a room's events go (NATS in the service, an array in unit tests). */
export interface RoomEventSink {
  publish(event: SfuRoomEvent): void;
}

type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;

/** An event as the room code writes it: the room fills in node, tenant, room and time. */
export type RoomEventBody = DistributiveOmit<SfuRoomEvent, 'nodeId' | 'tenantId' | 'roomId' | 'at'>;
