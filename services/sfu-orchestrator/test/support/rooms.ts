import type { RoomState } from '../../src/rooms/room-state';

let seq = 0;

/**
 * A room of tenant `acme` with one participant on each of `nodes` (`p0`, `p1`, …), nothing
 * published or piped; its id `roomId`, or a fresh one.
 */
export function roomOn(
  nodes: readonly string[],
  roomId = `room-${++seq}-${Date.now()}`,
): RoomState {
  return {
    tenantId: 'acme',
    roomId,
    participants: Object.fromEntries(
      nodes.map((nodeId, i) => [
        `p${i}`,
        { participantId: `p${i}`, nodeId, workerIndex: 0, joinedAt: 1_700_000_000_000 + i },
      ]),
    ),
    producers: {},
    pipes: {},
    piped: {},
  };
}
