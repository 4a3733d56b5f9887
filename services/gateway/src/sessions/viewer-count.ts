import type { Broadcaster } from '../signaling/broadcaster';

export interface ViewerCountDeps {
  /** The room's count now (the session store's). */
  count(tenantId: string, roomId: string): Promise<number>;
  out: Pick<Broadcaster, 'toRoom'>;
  /** Runs `task` once after `ms` (setTimeout in production, a hand-driven queue in tests). */
  schedule(task: () => void, ms: number): void;
  warn(fields: Record<string, unknown>, message: string): void;
}

/**
 * Tells a room how many viewers it has (`room.viewers`) when that changes. Viewers of a webinar
 * come and go by the thousand: one event per change would send each viewer's arrival to every
 * other viewer (quadratic). Changes are coalesced instead: the first change of a room schedules
 * one announcement `coalesceMs` later, which reads the count then; the changes before it goes
 * share it. Each gateway instance coalesces its own changes, so a room hears at most one count
 * per instance per interval, and the last one sent after the last change is the count then.
 */
export class ViewerCountAnnouncer {
  readonly #pending = new Set<string>();

  constructor(
    private readonly deps: ViewerCountDeps,
    private readonly coalesceMs: number,
  ) {}

  /** A viewer joined or left the room. */
  changed(tenantId: string, roomId: string): void {
    const key = `${tenantId}/${roomId}`;
    if (this.#pending.has(key)) return;
    this.#pending.add(key);
    this.deps.schedule(() => {
      this.#pending.delete(key);
      this.deps
        .count(tenantId, roomId)
        .then((count) => this.deps.out.toRoom(tenantId, roomId, 'room.viewers', { count }))
        .catch((error: unknown) =>
          this.deps.warn({ tenantId, roomId, error: String(error) }, 'viewer count not announced'),
        );
    }, this.coalesceMs);
  }

  /** Rooms whose announcement is scheduled (what tests check). */
  get pendingForTests(): number {
    return this.#pending.size;
  }
}
