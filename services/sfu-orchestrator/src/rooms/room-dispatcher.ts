import {
  CascadeError,
  ForwardedRoomReply,
  ForwardedRoomWork,
  type OrchestratorRequestOf,
  type RoomWork,
  type Subjects,
  parseOrThrow,
  unwrapReply,
  wireJson,
} from '@cascade/contracts';
import { KeyedQueue } from '@cascade/server-kit';
import { natsNoAnswer } from '@cascade/sfu-client';
import { type NatsConnection } from '@nats-io/transport-node';

import type { RoomCoordinator } from './room-coordinator';
import type { RoomLeases } from './room-leases';
import { type RoomState, emptyRoom, isEmpty, roomNodes } from './room-state';
import { type RoomStore, roomKey } from './room-store';

const json = wireJson;

/**
 * Runs each piece of work for a room where the room is led, one at a time per room: here when
 * this replica holds (or takes) the room's lease, otherwise on the leader, over NATS. Locally it
 * loads the room, lets the coordinator decide, and saves what changed.
 */
export class RoomDispatcher {
  readonly #queue = new KeyedQueue();
  readonly #sweeps = new Map<string, NodeJS.Timeout>();
  #closed = false;

  constructor(
    private readonly store: RoomStore,
    private readonly leases: RoomLeases,
    private readonly coordinator: RoomCoordinator,
    private readonly nc: () => NatsConnection,
    private readonly subjects: Subjects,
    private readonly forwardTimeoutMs: number,
  ) {}

  async run(tenantId: string, roomId: string, item: RoomWork): Promise<unknown> {
    const key = roomKey(tenantId, roomId);
    const leader = await this.leases.claim(key);
    if (leader === this.leases.instanceId) return this.local(tenantId, roomId, item);
    try {
      return await this.#forward(leader, { tenantId, roomId, item });
    } catch (error) {
      if (natsNoAnswer(error) !== 'no-responders') throw error;
      // The leader is gone (nobody listens on its subject): lead the room from here.
      if (!(await this.leases.takeOver(key, leader))) return this.run(tenantId, roomId, item);
      return this.local(tenantId, roomId, item);
    }
  }

  /** Work forwarded by another replica: done here if this replica (still) leads the room. */
  async forwarded(body: unknown): Promise<unknown> {
    const { tenantId, roomId, item } = parseOrThrow(ForwardedRoomWork, body, 'forwarded work');
    const leader = await this.leases.claim(roomKey(tenantId, roomId));
    if (leader !== this.leases.instanceId)
      throw new CascadeError('CONFLICT', `room ${roomId} is led by another orchestrator`);
    return this.local(tenantId, roomId, item);
  }

  local(tenantId: string, roomId: string, item: RoomWork): Promise<unknown> {
    const key = roomKey(tenantId, roomId);
    return this.#queue.run(key, async () => {
      const loaded = await this.store.load(tenantId, roomId);
      // A room nobody is in any more may still be on a node that comes back: it runs empty.
      const onEmpty =
        (item.work === 'request' && item.request.op === 'participant.join') ||
        item.work === 'node-returned';
      if (!loaded && !onEmpty) {
        await this.leases.release(key);
        return absent(item, roomId);
      }
      const state = loaded ?? emptyRoom(tenantId, roomId);
      const before = JSON.stringify(state);
      const nodesBefore = loaded ? roomNodes(loaded) : new Set<string>();
      try {
        return await this.#execute(state, item);
      } finally {
        // Saved even when the work failed half-way: the state records what was really done.
        if (JSON.stringify(state) !== before || !loaded) {
          const empty = isEmpty(state);
          await this.store.save(state, nodesBefore, empty);
          if (empty) await this.leases.release(key);
        }
        this.#scheduleSweep(state);
      }
    });
  }

  close(): void {
    this.#closed = true;
    for (const timer of this.#sweeps.values()) clearTimeout(timer);
    this.#sweeps.clear();
  }

  async #execute(state: RoomState, item: RoomWork): Promise<unknown> {
    const c = this.coordinator;
    switch (item.work) {
      case 'request': {
        const r = item.request as OrchestratorRequestOf<typeof item.request.op>;
        switch (r.op) {
          case 'participant.join':
            return c.join(state, r as OrchestratorRequestOf<'participant.join'>);
          case 'participant.leave':
            await c.leave(state, r.participantId);
            return {};
          case 'consumer.prepare':
            return c.prepareConsumer(state, r as OrchestratorRequestOf<'consumer.prepare'>);
          case 'participant.locate':
            return c.locate(state, r.participantId);
        }
        return undefined;
      }
      case 'room-event':
        return c.onNodeEvent(state, item.event);
      case 'node-lost':
        return c.nodeLost(state, item.nodeId);
      case 'node-returned':
        return c.nodeReturned(state, item.nodeId);
      case 'participants-lost':
        return c.participantsLost(state, item.nodeId, item.participantIds);
      case 'reconcile':
        return c.reconcile(state);
      case 'sweep':
        return c.sweep(state);
    }
  }

  #scheduleSweep(state: RoomState): void {
    const key = roomKey(state.tenantId, state.roomId);
    const at = this.coordinator.nextSweepAt(state);
    const existing = this.#sweeps.get(key);
    if (existing) clearTimeout(existing);
    this.#sweeps.delete(key);
    if (at === undefined || this.#closed) return;
    const timer = setTimeout(
      () => {
        this.#sweeps.delete(key);
        void this.run(state.tenantId, state.roomId, { work: 'sweep' }).catch(() => undefined);
      },
      Math.max(0, at - Date.now()) + 10,
    );
    timer.unref();
    this.#sweeps.set(key, timer);
  }

  async #forward(leader: string, work: ForwardedRoomWork): Promise<unknown> {
    const msg = await this.nc().request(
      this.subjects.orchestratorInstance(leader),
      json.encode(work),
      { timeout: this.forwardTimeoutMs },
    );
    const reply = parseOrThrow(ForwardedRoomReply, json.decode(msg.data), 'forwarded reply');
    // Work without a result is answered without `data`.
    return unwrapReply(reply.ok ? { ok: true, data: reply.data } : reply);
  }
}

/** The answer to work for a room the orchestrator does not have. */
function absent(item: RoomWork, roomId: string): unknown {
  if (item.work !== 'request') return undefined;
  if (item.request.op === 'participant.leave') return {};
  throw new CascadeError('NOT_FOUND', `room ${roomId} has nobody in it`);
}
