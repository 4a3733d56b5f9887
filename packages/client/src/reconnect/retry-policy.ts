import { CascadeError } from '@cascade/contracts';

import { MediaSessionClosedError } from '../media/media-session';
import { isConnectionLost } from '../signaling/signaling-channel';
import { type Backoff, backoffDelay } from './backoff';

/** Errors that retrying `room.join` a little later may cure. */
const REJOIN_RETRYABLE = new Set([
  'NODE_UNAVAILABLE',
  'CAPACITY_EXHAUSTED',
  'TIMEOUT',
  'INTERNAL',
  'RATE_LIMITED',
]);

/** How often a request the gateway's rate limit turned away is sent again. */
export const RATE_LIMIT_RESENDS = 5;
/** The most `room.join` attempts of one rejoin. */
export const REJOIN_ATTEMPTS = 5;
/** The most attempts of one publish interrupted by connection losses. */
export const PUBLISH_ATTEMPTS = 10;
/** How long a chat message whose outcome is unknown is sent again, by default. */
export const CHAT_RETRY_WINDOW_MS = 10_000;
/** Errors of `chat.send` after which the message is sent again with its key. */
const CHAT_RETRYABLE = new Set(['NODE_UNAVAILABLE', 'TIMEOUT']);

/** What the client does after restoring its session failed on a new connection. */
export type RestoreFailureAction = 'stop' | 'next-gateway' | 'give-up';

/**
 * Every retry decision of the client, in one place: each answers, for a failure and the attempt
 * it ended (1 for the first), how long to wait before the next attempt, or `undefined` to give
 * up. Pure (its clock is the caller's; its randomness the jitter's), so each is unit-tested.
 *
 * - reconnecting: the next gateway after an exponential backoff with jitter, `maxAttempts` times;
 * - a request turned away by the gateway's rate limit (`RATE_LIMITED`, not carried out): again
 *   after the delay the gateway asks for (or 100, 200, 400… ms), capped at 5 s, a few times;
 * - joining again after a lost session: while the failure looks passing (no node free yet), with
 *   the reconnection backoff, a few times;
 * - publishing: a publish the connection loss interrupted waits for the restored session;
 * - chat: a message whose outcome is unknown, or that was not stored, is sent again with its key
 *   after 250 ms, 500 ms, 1 s, then every 2 s, for as long as its window (10 s) lasts;
 * - resuming: a session the gateway refused to give back is joined again;
 * - restoring on a new connection: a gateway that did not answer is left for the next one.
 */
export class RetryPolicy {
  constructor(
    readonly backoff: Backoff,
    private readonly random: () => number = Math.random,
  ) {}

  get reconnectAttempts(): number {
    return this.backoff.maxAttempts;
  }

  /** The wait before reconnection attempt `attempt` (1 for the first after a drop). */
  reconnectDelay(attempt: number): number {
    return backoffDelay(attempt, this.backoff, this.random);
  }

  /** After a request failed: the wait before sending it again, if it was only rate limited. */
  resendDelay(error: unknown, attempt: number): number | undefined {
    if (!(error instanceof CascadeError) || error.code !== 'RATE_LIMITED') return undefined;
    if (attempt > RATE_LIMIT_RESENDS) return undefined;
    const asked = Number(error.details?.['retryAfterMs']);
    const delay = Number.isFinite(asked) && asked > 0 ? asked : 50 * 2 ** attempt;
    return Math.min(delay, 5_000);
  }

  /** After `room.join` failed while joining again: the wait before the next attempt. */
  rejoinDelay(error: unknown, attempt: number): number | undefined {
    const retryable =
      error instanceof CascadeError && REJOIN_RETRYABLE.has(error.code) && !isConnectionLost(error);
    if (!retryable || attempt >= REJOIN_ATTEMPTS) return undefined;
    return backoffDelay(attempt, this.backoff, this.random);
  }

  /**
   * After `chat.send` failed `elapsedMs` after the first attempt: the wait before sending the
   * message again with the same `clientMessageId`, while its outcome is unknown or it was not
   * stored (`NODE_UNAVAILABLE`, which a lost connection is too, or `TIMEOUT`) and `windowMs` is
   * not over. Anything else (`RATE_LIMITED` past the request's own resends, `NOT_FOUND`,
   * `CONFLICT`…) retrying cannot change.
   */
  chatResendDelay(
    error: unknown,
    attempt: number,
    elapsedMs: number,
    windowMs = CHAT_RETRY_WINDOW_MS,
  ): number | undefined {
    const retryable = error instanceof CascadeError && CHAT_RETRYABLE.has(error.code);
    if (!retryable || elapsedMs >= windowMs) return undefined;
    return Math.min(250 * 2 ** (attempt - 1), 2_000);
  }

  /**
   * After a publish failed: whether to wait for the connection and publish again (the restored
   * session publishes it). Only for a connection lost meanwhile.
   */
  republish(error: unknown, attempt: number): boolean {
    const interrupted = isConnectionLost(error) || error instanceof MediaSessionClosedError;
    return interrupted && attempt < PUBLISH_ATTEMPTS;
  }

  /**
   * After `session.resume` failed: true (join again instead) when the gateway refused it (the
   * session is gone); false when it did not answer (another connection is tried).
   */
  rejoinAfterResumeFailure(error: unknown): error is CascadeError {
    return error instanceof CascadeError && !isConnectionLost(error) && error.code !== 'TIMEOUT';
  }

  /**
   * After taking the session back on a new connection failed: `stop` when the connection was
   * lost again or replaced (its own reconnection follows), `next-gateway` when the gateway did
   * not answer, `give-up` otherwise.
   */
  afterRestoreFailure(error: unknown): RestoreFailureAction {
    if (isConnectionLost(error) || error instanceof MediaSessionClosedError) return 'stop';
    if (error instanceof CascadeError && error.code === 'TIMEOUT') return 'next-gateway';
    return 'give-up';
  }
}

/**
 * Runs `task` until it succeeds or `retryDelay` answers `undefined` for its failure (then
 * rejects with that failure), waiting the delay it answers between attempts.
 */
export async function retrying<T>(
  task: (attempt: number) => Promise<T>,
  retryDelay: (error: unknown, attempt: number) => number | undefined,
  sleep: (ms: number) => Promise<void>,
): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await task(attempt);
    } catch (error) {
      const delay = retryDelay(error, attempt);
      if (delay === undefined) throw error;
      if (delay > 0) await sleep(delay);
    }
  }
}
