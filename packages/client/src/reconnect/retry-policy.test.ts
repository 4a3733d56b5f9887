import { CascadeError } from '@cascade/contracts';

import { MediaSessionClosedError } from '../media/media-session';
import { noAnswer } from '../signaling/signaling-channel';
import { resolveBackoff } from './backoff';
import {
  CHAT_RETRY_WINDOW_MS,
  PUBLISH_ATTEMPTS,
  RATE_LIMIT_RESENDS,
  REJOIN_ATTEMPTS,
  retrying,
  RetryPolicy,
} from './retry-policy';

const policy = new RetryPolicy(
  resolveBackoff({
    initialDelayMs: 100,
    maxDelayMs: 1_000,
    multiplier: 2,
    jitter: 0,
    maxAttempts: 3,
  }),
  () => 0.5,
);
const lost = noAnswer('room.join', 'disconnected');
const error = (
  code: ConstructorParameters<typeof CascadeError>[0],
  details?: Record<string, unknown>,
) => new CascadeError(code, 'no', details);

describe('RetryPolicy', () => {
  it('reconnects after an exponential backoff, capped, as many times as configured', () => {
    expect([1, 2, 3, 4, 5].map((n) => policy.reconnectDelay(n))).toEqual([
      100, 200, 400, 800, 1_000,
    ]);
    expect(policy.reconnectAttempts).toBe(3);
  });

  it('sends a rate-limited request again after the delay the gateway asks for, capped at 5 s', () => {
    expect(policy.resendDelay(error('RATE_LIMITED', { retryAfterMs: 700 }), 1)).toBe(700);
    expect(policy.resendDelay(error('RATE_LIMITED', { retryAfterMs: 60_000 }), 1)).toBe(5_000);
    expect(policy.resendDelay(error('RATE_LIMITED'), 1)).toBe(100);
    expect(policy.resendDelay(error('RATE_LIMITED'), 3)).toBe(400);
  });

  it('does not send again other failures, nor a rate-limited one past its resends', () => {
    expect(policy.resendDelay(error('RATE_LIMITED'), RATE_LIMIT_RESENDS + 1)).toBeUndefined();
    expect(policy.resendDelay(error('TIMEOUT'), 1)).toBeUndefined();
    expect(policy.resendDelay(new Error('boom'), 1)).toBeUndefined();
  });

  it('joins again while the failure looks passing, a few times, with the backoff', () => {
    expect(policy.rejoinDelay(error('CAPACITY_EXHAUSTED'), 1)).toBe(100);
    expect(policy.rejoinDelay(error('NODE_UNAVAILABLE'), 2)).toBe(200);
    expect(policy.rejoinDelay(error('NODE_UNAVAILABLE'), REJOIN_ATTEMPTS)).toBeUndefined();
    expect(policy.rejoinDelay(error('FORBIDDEN'), 1)).toBeUndefined();
    expect(policy.rejoinDelay(lost, 1)).toBeUndefined(); // the reconnection takes over
  });

  it('publishes again only after the connection was lost meanwhile', () => {
    expect(policy.republish(lost, 1)).toBe(true);
    expect(policy.republish(new MediaSessionClosedError(), 1)).toBe(true);
    expect(policy.republish(lost, PUBLISH_ATTEMPTS)).toBe(false);
    expect(policy.republish(error('INVALID_ARGUMENT'), 1)).toBe(false);
  });

  it('sends a chat message whose outcome is unknown again, backing off to 2 s, for 10 s', () => {
    const unknown = error('NODE_UNAVAILABLE', { outcome: 'unknown' });
    expect([1, 2, 3, 4, 5, 8].map((n) => policy.chatResendDelay(unknown, n, 0))).toEqual([
      250, 500, 1_000, 2_000, 2_000, 2_000,
    ]);
    expect(policy.chatResendDelay(error('TIMEOUT'), 1, 0)).toBe(250);
    expect(policy.chatResendDelay(lost, 1, 0)).toBe(250); // a lost connection: unknown too
    expect(policy.chatResendDelay(unknown, 5, CHAT_RETRY_WINDOW_MS - 1)).toBe(2_000);
    expect(policy.chatResendDelay(unknown, 5, CHAT_RETRY_WINDOW_MS)).toBeUndefined();
    expect(policy.chatResendDelay(unknown, 2, 3_000, 3_000)).toBeUndefined(); // the caller's window
    expect(CHAT_RETRY_WINDOW_MS).toBe(10_000);
  });

  it('does not send a chat message again after a refusal that retrying cannot change', () => {
    for (const code of ['RATE_LIMITED', 'NOT_FOUND', 'CONFLICT', 'INVALID_ARGUMENT'] as const)
      expect([code, policy.chatResendDelay(error(code), 1, 0)]).toEqual([code, undefined]);
    expect(policy.chatResendDelay(new Error('boom'), 1, 0)).toBeUndefined();
  });

  it('joins again when the gateway refused the resume, not when it did not answer', () => {
    expect(policy.rejoinAfterResumeFailure(error('NOT_FOUND'))).toBe(true);
    expect(policy.rejoinAfterResumeFailure(noAnswer('session.resume', 'timeout', 10))).toBe(false);
    expect(policy.rejoinAfterResumeFailure(lost)).toBe(false);
    expect(policy.rejoinAfterResumeFailure(new Error('boom'))).toBe(false);
  });

  it('after a failed restore: stops when lost again, tries the next gateway when unanswered', () => {
    expect(policy.afterRestoreFailure(lost)).toBe('stop');
    expect(policy.afterRestoreFailure(new MediaSessionClosedError())).toBe('stop');
    expect(policy.afterRestoreFailure(noAnswer('session.resume', 'timeout', 10))).toBe(
      'next-gateway',
    );
    expect(policy.afterRestoreFailure(error('FORBIDDEN'))).toBe('give-up');
  });
});

describe('retrying', () => {
  it('waits the delay between attempts and resolves with the first success', async () => {
    const sleeps: number[] = [];
    const attempts: number[] = [];
    const result = await retrying(
      async (attempt) => {
        attempts.push(attempt);
        if (attempt < 3) throw new Error(`fail ${attempt}`);
        return 'ok';
      },
      (_error, attempt) => attempt * 10,
      async (ms) => void sleeps.push(ms),
    );
    expect(result).toBe('ok');
    expect(attempts).toEqual([1, 2, 3]);
    expect(sleeps).toEqual([10, 20]);
  });

  it('rejects with the failure it is told not to retry, and does not sleep for a zero delay', async () => {
    const sleeps: number[] = [];
    await expect(
      retrying(
        async (attempt) => {
          throw new Error(`fail ${attempt}`);
        },
        (_error, attempt) => (attempt < 2 ? 0 : undefined),
        async (ms) => void sleeps.push(ms),
      ),
    ).rejects.toThrow('fail 2');
    expect(sleeps).toEqual([]);
  });
});
