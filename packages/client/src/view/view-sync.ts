import { CascadeError, ClientView, type SetViewResult } from '@cascade/contracts';

import type { CascadeLogger } from '../logger';
import { isConnectionLost } from '../signaling/signaling-channel';

export interface ViewSyncContext {
  /** Sends `room.setView` (the client's request: it waits out the gateway's rate limit). */
  send(view: ClientView): Promise<SetViewResult>;
  logger: CascadeLogger;
}

interface Waiter {
  resolve(result: SetViewResult): void;
  reject(error: unknown): void;
}

/**
 * The client's view (`client.setView`) kept in step with the server: validated with the
 * contracts schema, one `room.setView` in flight at a time, and only the latest view sent (a grid
 * that changes ten times while one request is out sends one more, not ten: every caller
 * meanwhile resolves with that answer). The view is kept and sent again after the session was
 * restored (`resend`), without the participants that are gone by then.
 */
export class ViewSync {
  /** The view the application asked for last. */
  #latest: ClientView | undefined;
  /** The last view the server took. */
  #applied: ClientView | undefined;
  #waiters: Waiter[] = [];
  #running = false;

  constructor(private readonly context: ViewSyncContext) {}

  /** The view the application asked for last (undefined: never set: the server's default). */
  get current(): ClientView | undefined {
    return this.#latest;
  }

  /**
   * Sets the view; resolves once the server took it (or a later one). Rejects at once with
   * `INVALID_ARGUMENT` for a view the schema refuses (nothing sent), and with the server's
   * error otherwise (`NOT_FOUND`: someone not in the room; the previous view then stays).
   */
  set(view: ClientView): Promise<SetViewResult> {
    const parsed = ClientView.safeParse(view);
    if (!parsed.success) {
      const issues = parsed.error.issues.map((i) => ({
        path: i.path.join('.'),
        message: i.message,
      }));
      return Promise.reject(
        new CascadeError('INVALID_ARGUMENT', `invalid view: ${issues[0]?.message ?? ''}`, {
          issues,
        }),
      );
    }
    this.#latest = parsed.data;
    return new Promise((resolve, reject) => {
      this.#waiters.push({ resolve, reject });
      this.#kick();
    });
  }

  /**
   * Sends the view again (after a resume or a rejoin: a new session has none), leaving out the
   * visible participants that are not in `present` any more. Nothing when no view was set.
   */
  resend(present: ReadonlySet<string>): void {
    const view = this.#latest;
    if (!view) return;
    this.#latest = { ...view, visible: view.visible.filter((t) => present.has(t.participantId)) };
    this.#waiters.push({
      resolve: () => undefined,
      reject: (error) =>
        this.context.logger.warn('the view could not be sent again', { error: String(error) }),
    });
    this.#kick();
  }

  #kick(): void {
    if (this.#running) return;
    this.#running = true;
    void this.#drain().finally(() => (this.#running = false));
  }

  async #drain(): Promise<void> {
    while (this.#waiters.length > 0) {
      const waiters = this.#waiters.splice(0);
      const view = this.#latest as ClientView;
      try {
        const result = await this.context.send(view);
        this.#applied = view;
        for (const w of waiters) w.resolve(result);
      } catch (error) {
        // Refused: the server kept the view it had, and so does this. Lost on the way: kept, to
        // be sent again once the session is back.
        if (!lost(error) && this.#latest === view) this.#latest = this.#applied;
        for (const w of waiters) w.reject(error);
      }
    }
  }
}

/** No answer (the connection went, or the gateway did not answer): the view may not be there. */
function lost(error: unknown): boolean {
  return isConnectionLost(error) || (error instanceof CascadeError && error.code === 'TIMEOUT');
}
