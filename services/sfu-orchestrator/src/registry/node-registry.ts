import { EventEmitter } from 'node:events';

import type { NodeView, SfuNodeHeartbeat } from '@cascade/contracts';

import type { NodeSnapshot, Placement } from '../placement/placement';

export interface RegistrySettings {
  /** A node not heard from for this long takes no new participants. */
  staleAfterMs: number;
  /** A node not heard from for this long is dead: its participants are placed again. */
  deadAfterMs: number;
}

interface Entry {
  heartbeat: SfuNodeHeartbeat;
  receivedAt: number;
  /** An operator's drain or undrain, until the node's own heartbeat reports it. */
  requested?: 'draining' | 'serving';
}

/**
 * Why a node was lost: silent past the dead timeout, restarted (its heartbeat sequence started
 * again), or unreachable (silent, and NATS has nobody behind its ping subject any more).
 */
export type LostReason = 'silent' | 'restarted' | 'unreachable';

interface RegistryEvents {
  /** A node is gone (it lost every room it had); `silentMs` since its last heartbeat before. */
  lost: [nodeId: string, why: LostReason, silentMs: number];
  /**
   * A node declared lost is heard again, registered anew: its process lived on (cut off from
   * NATS, say) and may still hold the rooms, transports and pipes of the participants placed
   * elsewhere since; `absentMs` since it was declared lost.
   */
  returned: [nodeId: string, absentMs: number];
}

/** Nodes declared lost that are remembered, to know one that comes back (the oldest go first). */
export const REMEMBERED_LOST_NODES = 1_000;

/**
 * The live SFU nodes, from their heartbeats. Every orchestrator replica keeps its own (heartbeats
 * reach all of them), so a replica that starts knows the cluster within one heartbeat interval.
 */
export class NodeRegistry extends EventEmitter<RegistryEvents> {
  readonly #nodes = new Map<string, Entry>();
  /** Nodes declared lost (or silent past the timeout), and when. */
  readonly #lost = new Map<string, number>();
  /**
   * Since when this replica's NATS connection is up (heartbeats can reach it); undefined while it
   * is down. Up from the start: a registry only hears heartbeats once it is connected.
   */
  #upSince: number | undefined = -Infinity;

  constructor(
    readonly settings: RegistrySettings,
    private readonly clock: () => number = Date.now,
  ) {
    super();
  }

  observe(heartbeat: SfuNodeHeartbeat): void {
    const lostAt = this.#lost.get(heartbeat.nodeId);
    if (lostAt !== undefined) {
      this.#lost.delete(heartbeat.nodeId);
      // Registered first, so that whoever handles the event may place on it again.
      this.#nodes.set(heartbeat.nodeId, { heartbeat, receivedAt: this.clock() });
      this.emit('returned', heartbeat.nodeId, this.clock() - lostAt);
      return;
    }
    let previous = this.#nodes.get(heartbeat.nodeId);
    if (previous && heartbeat.sequence < previous.heartbeat.sequence) {
      // The sequence starts again: a new process under the same id, with none of the old rooms
      // and none of the old process's drain.
      this.#nodes.delete(heartbeat.nodeId);
      const silentMs = this.clock() - previous.receivedAt;
      previous = undefined;
      this.emit('lost', heartbeat.nodeId, 'restarted', silentMs);
    }
    const requested =
      previous?.requested !== undefined && previous.requested !== heartbeat.state
        ? previous.requested
        : undefined;
    this.#nodes.set(heartbeat.nodeId, {
      heartbeat,
      receivedAt: this.clock(),
      ...(requested ? { requested } : {}),
    });
  }

  /**
   * This replica's NATS connection is (again) up: silence counts from now, since every heartbeat
   * sent while it was away was lost to it, not missed by the nodes.
   */
  connectionUp(): void {
    this.#upSince = this.clock();
  }

  /**
   * This replica's NATS connection dropped: it hears no node now, so no silence proves anything
   * and nobody is declared dead until it is back (and the nodes had `deadAfterMs` to be heard).
   */
  connectionDown(): void {
    this.#upSince = undefined;
  }

  /**
   * Drops nodes silent for longer than `deadAfterMs`, announcing each. Silence counts only while
   * this replica is connected: a NATS outage of its own is no node's death (after one, every
   * node is given `deadAfterMs` from the reconnection).
   */
  sweep(): string[] {
    if (this.#upSince === undefined) return [];
    const now = this.clock();
    const dead: Array<[string, number]> = [];
    for (const [id, entry] of this.#nodes) {
      if (now - Math.max(entry.receivedAt, this.#upSince) > this.settings.deadAfterMs) {
        this.#nodes.delete(id);
        dead.push([id, now - entry.receivedAt]);
      }
    }
    for (const [id, silentMs] of dead) {
      this.#remember(id);
      this.emit('lost', id, 'silent', silentMs);
    }
    return dead.map(([id]) => id);
  }

  /**
   * Drops a node that other evidence than its silence shows gone (see `NodeLiveness`), and
   * announces it. False when the node was not registered.
   */
  declareLost(nodeId: string, why: Exclude<LostReason, 'restarted'>): boolean {
    const entry = this.#nodes.get(nodeId);
    if (!entry) return false;
    this.#nodes.delete(nodeId);
    this.#remember(nodeId);
    this.emit('lost', nodeId, why, this.clock() - entry.receivedAt);
    return true;
  }

  #remember(nodeId: string): void {
    this.#lost.set(nodeId, this.clock());
    if (this.#lost.size > REMEMBERED_LOST_NODES) this.#lost.delete(this.#lost.keys().next().value!);
  }

  /** Ids of every registered node. */
  ids(): string[] {
    return [...this.#nodes.keys()];
  }

  /** When the node's last heartbeat arrived (this replica's clock). */
  heardAt(nodeId: string): number | undefined {
    return this.#nodes.get(nodeId)?.receivedAt;
  }

  requestState(nodeId: string, state: 'draining' | 'serving'): void {
    const entry = this.#nodes.get(nodeId);
    if (entry) entry.requested = state;
  }

  has(nodeId: string): boolean {
    return this.#nodes.has(nodeId);
  }

  heartbeat(nodeId: string): SfuNodeHeartbeat | undefined {
    return this.#nodes.get(nodeId)?.heartbeat;
  }

  state(nodeId: string): NodeView['state'] | undefined {
    const entry = this.#nodes.get(nodeId);
    if (!entry) return undefined;
    if (this.clock() - entry.receivedAt > this.settings.staleAfterMs) return 'stale';
    return entry.requested ?? entry.heartbeat.state;
  }

  *snapshots(): Iterable<NodeSnapshot> {
    for (const [id, entry] of this.#nodes)
      yield { heartbeat: entry.heartbeat, placeable: this.state(id) === 'serving' };
  }

  get size(): number {
    return this.#nodes.size;
  }

  views(placement: Placement): NodeView[] {
    const now = this.clock();
    return [...this.#nodes.entries()]
      .map(([nodeId, entry]) => {
        const hb = entry.heartbeat;
        const load = placement.nodeLoad(hb, now);
        return {
          nodeId,
          region: hb.region,
          state: this.state(nodeId)!,
          ageMs: Math.max(0, now - entry.receivedAt),
          load: round(load.load),
          cpu: round(load.cpu),
          streams: load.streams,
          maxStreams: hb.capacity.maxStreams,
          bitrateOutBps: hb.totals.bitrateOutBps,
          workers: hb.workers.length,
          reservations: load.reservations,
          rooms: hb.totals.rooms,
          participants: hb.totals.participants,
        };
      })
      .sort((a, b) => a.nodeId.localeCompare(b.nodeId));
  }
}

function round(n: number): number {
  return Math.round(n * 1000) / 1000;
}
