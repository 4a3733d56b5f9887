import {
  CascadeError,
  type NodeView,
  OrchestratorAdminRequest,
  type OrchestratorAdminResult,
  type OrchestratorAdminOp,
  parseOrThrow,
} from '@cascade/contracts';

import type { Placement } from '../placement/placement';
import type { NodeRegistry } from '../registry/node-registry';
import { roomView } from '../rooms/room-state';
import type { RoomStore } from '../rooms/room-store';

/** How the admin API asks a node to drain or undrain. */
export type NodeAdmin = (nodeId: string, op: 'drain' | 'undrain') => Promise<unknown>;

/**
 * What operators ask the orchestrator (`cascade-admin` wraps it): the nodes with their load and
 * state, the rooms with where every participant and pipe is, and draining.
 */
export class AdminApi {
  constructor(
    private readonly registry: NodeRegistry,
    private readonly placement: Placement,
    private readonly store: RoomStore,
    private readonly nodeAdmin: NodeAdmin,
  ) {}

  async handle(body: unknown): Promise<OrchestratorAdminResult<OrchestratorAdminOp>> {
    const request = parseOrThrow(OrchestratorAdminRequest, body, 'admin request');
    switch (request.op) {
      case 'nodes.list':
        return { nodes: this.registry.views(this.placement) };
      case 'rooms.list': {
        const keys = (await this.store.rooms())
          .filter((k) => !request.tenantId || k.tenantId === request.tenantId)
          .sort((a, b) => `${a.tenantId}/${a.roomId}`.localeCompare(`${b.tenantId}/${b.roomId}`))
          .slice(0, 1_000);
        const rooms = await Promise.all(keys.map((k) => this.store.load(k.tenantId, k.roomId)));
        return { rooms: rooms.filter((r) => r !== undefined).map(roomView) };
      }
      case 'room.get': {
        const state = await this.store.load(request.tenantId, request.roomId);
        if (!state) throw new CascadeError('NOT_FOUND', `room ${request.roomId} is not placed`);
        return roomView(state);
      }
      case 'node.drain':
      case 'node.undrain': {
        const target = request.op === 'node.drain' ? 'draining' : 'serving';
        this.#known(request.nodeId);
        // Placement stops at once; the node confirms with its next heartbeat.
        this.registry.requestState(request.nodeId, target);
        await this.nodeAdmin(request.nodeId, request.op === 'node.drain' ? 'drain' : 'undrain');
        return this.#view(request.nodeId);
      }
    }
  }

  #known(nodeId: string): void {
    if (!this.registry.has(nodeId))
      throw new CascadeError('NOT_FOUND', `node ${nodeId} is not registered`);
  }

  #view(nodeId: string): NodeView {
    const view = this.registry.views(this.placement).find((n) => n.nodeId === nodeId);
    if (!view) throw new CascadeError('NOT_FOUND', `node ${nodeId} is not registered`);
    return view;
  }
}
