import { CascadeError, ErrorEnvelope } from '@cascade/contracts';

/**
 * A failed connection attempt as a {@link CascadeError}: the gateway's refusal (its envelope
 * arrives as `connect_error`'s `data`) keeps its code; a gateway that cannot be reached is
 * `NODE_UNAVAILABLE`, one that does not answer in time `TIMEOUT`.
 */
export function connectFailure(url: string, error: unknown): CascadeError {
  const envelope = ErrorEnvelope.safeParse((error as { data?: unknown } | null)?.data);
  if (envelope.success) return CascadeError.fromEnvelope(envelope.data);
  const message = error instanceof Error ? error.message : String(error);
  if (message === 'timeout')
    return new CascadeError('TIMEOUT', `${url} did not accept the connection in time`, { url });
  return new CascadeError('NODE_UNAVAILABLE', `cannot reach ${url}: ${message}`, { url });
}

/**
 * What to do after a failed reconnection attempt:
 * - `retry`: try again (next gateway, after the backoff): unreachable, slow, busy or failing
 *   gateways, and a refused join token when the token source can give a fresh one;
 * - `retry-without-resume`: the resume token names no live session any more (`NOT_FOUND`): go on
 *   with the join token alone, and join the room again once connected;
 * - `fatal`: retrying cannot help (forbidden, unsupported protocol, a token that will not change).
 */
export type HandshakeVerdict = 'retry' | 'retry-without-resume' | 'fatal';

export function judgeHandshakeFailure(
  error: CascadeError,
  context: { sentResumeToken: boolean; refreshableToken: boolean },
): HandshakeVerdict {
  switch (error.code) {
    case 'NODE_UNAVAILABLE':
    case 'TIMEOUT':
    case 'RATE_LIMITED':
    case 'CAPACITY_EXHAUSTED':
    case 'INTERNAL':
      return 'retry';
    case 'UNAUTHENTICATED':
      return context.refreshableToken ? 'retry' : 'fatal';
    case 'NOT_FOUND':
      return context.sentResumeToken ? 'retry-without-resume' : 'fatal';
    default:
      return 'fatal';
  }
}
