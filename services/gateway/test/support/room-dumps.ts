import type { SfuRoomDump } from '@cascade/contracts';
import { OrchestratorClient, SfuNodeClient } from '@cascade/sfu-client';

import type { CascadeStack } from './stack';

/** A consumer as its SFU node's room dump has it (paused, paused by the view, layer, RTP sent). */
export type DumpedConsumer = SfuRoomDump['participants'][number]['consumers'][number];

/** Where the room's participants are placed, from the orchestrator: participant id → node id. */
export async function placements(
  stack: Pick<CascadeStack, 'nc' | 'subjects'>,
  tenantId: string,
  roomId: string,
): Promise<Map<string, string>> {
  const room = await new OrchestratorClient(stack.nc, stack.subjects, { timeoutMs: 3_000 }).admin({
    op: 'room.get',
    tenantId,
    roomId,
  });
  return new Map(room.participants.map((p) => [p.participantId, p.nodeId]));
}

/**
 * A participant's consumers as its SFU node has them, with their RTP counters: what really flows
 * to it, read where it happens (the node it is placed on, from the orchestrator).
 */
export async function consumersOnNode(
  stack: Pick<CascadeStack, 'nc' | 'subjects'>,
  tenantId: string,
  roomId: string,
  participantId: string,
): Promise<DumpedConsumer[]> {
  const nodeId = (await placements(stack, tenantId, roomId)).get(participantId);
  if (!nodeId) throw new Error(`${participantId} is not placed`);
  const dump: SfuRoomDump = await new SfuNodeClient(stack.nc, stack.subjects, nodeId, {
    timeoutMs: 3_000,
  }).request('room.dump', { tenantId, roomId, consumerStats: true });
  return dump.participants.find((p) => p.participantId === participantId)?.consumers ?? [];
}
