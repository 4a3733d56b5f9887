import { EventEmitter } from 'node:events';

import type { NodeRegistry } from './node-registry';

/** What one probe of a node's ping subject found. */
export type ProbeOutcome =
  /** The node's process answered: it lives, however late its heartbeats are. */
  | 'answered'
  /** NATS has no subscriber on the subject: the process's connection is gone. */
  | 'no-responders'
  /** No answer in time, or the request failed: proves nothing (a busy or frozen process). */
  | 'no-answer';

/** Sends one probe; never rejects. */
export type Prober = (nodeId: string) => Promise<ProbeOutcome>;

export interface LivenessSettings {
  /** A node whose last heartbeat is older than this is probed. */
  suspectAfterMs: number;
  /** Least time between two probes of one node. */
  probeIntervalMs: number;
}

/** What this replica knows about probing one node. */
interface Watch {
  /** The node answered a probe once: its process serves pings, so "no responders" means gone. */
  answers: boolean;
  probing: boolean;
  lastProbeAt: number;
}

interface LivenessEvents {
  probed: [nodeId: string, outcome: ProbeOutcome];
}

/**
 * Tells a dead SFU node from a slow one within about a second, long before the heartbeat
 * timeout (`NodeRegistry`'s `deadAfterMs`, which stays the backstop).
 *
 * A node whose heartbeat is `suspectAfterMs` late is probed on its ping subject. When the node's
 * process dies its NATS connection closes and the server drops its subscriptions at once, so the
 * probe comes back "no responders" straight away: the node is declared lost (`unreachable`). A
 * process that is alive but busy still holds its subscription: its probe is answered, or times
 * out, and either way the node stays; only the heartbeat timeout can end it.
 *
 * "No responders" counts only when it cannot come from something else:
 * - the node answered a probe before (a node that never serves pings, such as an older version
 *   during an upgrade, is left to the heartbeat timeout). Every node is probed once when it
 *   appears, and until it answers, to learn this;
 * - the silence and the probe both fall within a steady connection of this replica to NATS:
 *   after a reconnect every node may be reconnecting too, so silence counts from then, and
 *   each node must have answered a probe again since;
 * - no heartbeat arrived while the probe was out, and the node is still the same registration.
 */
export class NodeLiveness extends EventEmitter<LivenessEvents> {
  readonly #watches = new Map<string, Watch>();
  /** Since when this replica's NATS connection is up; undefined while it is down. */
  #upSince: number | undefined;

  constructor(
    private readonly registry: NodeRegistry,
    private readonly probe: Prober,
    readonly settings: LivenessSettings,
    private readonly clock: () => number = Date.now,
  ) {
    super();
    // A lost or restarted node starts over: a new process must answer before it is trusted.
    registry.on('lost', (nodeId) => this.#watches.delete(nodeId));
  }

  /**
   * This replica's NATS connection is (again) up. Every node must answer a probe again before a
   * "no responders" about it counts: the nodes reconnect on their own schedules after an outage
   * (one may be back seconds after this replica), and a node not back yet has no subscription
   * either. One that never comes back is left to the heartbeat timeout.
   */
  connectionUp(): void {
    this.#upSince = this.clock();
    for (const watch of this.#watches.values()) watch.answers = false;
  }

  /** This replica's NATS connection dropped: nothing is probed or concluded until it is back. */
  connectionDown(): void {
    this.#upSince = undefined;
  }

  /** Probes the nodes that are due: new ones once, silent ones while they stay silent. */
  check(): void {
    if (this.#upSince === undefined) return;
    const now = this.clock();
    const ids = this.registry.ids();
    for (const id of this.#watches.keys()) if (!this.registry.has(id)) this.#watches.delete(id);
    for (const nodeId of ids) {
      let watch = this.#watches.get(nodeId);
      if (!watch) {
        watch = { answers: false, probing: false, lastProbeAt: -Infinity };
        this.#watches.set(nodeId, watch);
      }
      if (watch.probing || now - watch.lastProbeAt < this.settings.probeIntervalMs) continue;
      if (!watch.answers || this.#silence(nodeId, now) >= this.settings.suspectAfterMs)
        void this.#probe(nodeId, watch);
    }
  }

  /** Whether the node answered a probe since it (last) registered. */
  answers(nodeId: string): boolean {
    return this.#watches.get(nodeId)?.answers ?? false;
  }

  /** How long the node has been silent, counted from this replica's last (re)connection. */
  #silence(nodeId: string, now: number): number {
    return now - Math.max(this.registry.heardAt(nodeId) ?? now, this.#upSince ?? now);
  }

  async #probe(nodeId: string, watch: Watch): Promise<void> {
    const sentAt = this.clock();
    const upSince = this.#upSince;
    const heartbeat = this.registry.heartbeat(nodeId);
    const silence = this.#silence(nodeId, sentAt);
    watch.probing = true;
    watch.lastProbeAt = sentAt;
    let outcome: ProbeOutcome;
    try {
      outcome = await this.probe(nodeId);
    } catch {
      outcome = 'no-answer';
    } finally {
      watch.probing = false;
    }
    this.emit('probed', nodeId, outcome);
    if (outcome === 'answered') {
      watch.answers = true;
      return;
    }
    const conclusive =
      outcome === 'no-responders' &&
      watch.answers &&
      silence >= this.settings.suspectAfterMs &&
      upSince !== undefined &&
      this.#upSince === upSince &&
      this.#watches.get(nodeId) === watch &&
      this.registry.heartbeat(nodeId) === heartbeat;
    if (conclusive) this.registry.declareLost(nodeId, 'unreachable');
  }
}
