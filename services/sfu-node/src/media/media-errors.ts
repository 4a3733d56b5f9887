import { CascadeError } from '@cascade/contracts';

/** mediasoup up to 3.19: the worker's refusals of a request ended with the method's name. */
const WORKER_REFUSAL = / \[method:[A-Za-z0-9_.]+\]$/;
/**
 * mediasoup 3.2x: the worker answers a refused request with its reason alone, and mediasoup's
 * Channel turns that answer into a plain Error as it reads it (its only plain Errors besides
 * "request too big", also the caller's): the frame names where the error was made. Checked by
 * test/control-api.int.test.ts against the real worker (duplicate MID, duplicate SSRC).
 */
const WORKER_ANSWER_FRAME = /^\s+at Channel\.processResponse \(/m;

/**
 * mediasoup refuses bad parameters with TypeError or UnsupportedError, calls on a closed worker
 * with WorkerClosedError (InvalidStateError before 3.21) and references to entities the worker
 * does not have with NotFoundError (3.21 on; `mediasoup/errors`): those are the caller's
 * mistakes and become typed errors carrying mediasoup's message. They are told apart by name,
 * which also holds for errors that crossed a process boundary. The worker's own refusals of a
 * request are told by where mediasoup made the error (its Channel, from the worker's answer) or,
 * up to 3.19, by the method named at the end of the message. Anything else stays an internal
 * error.
 */
export function toCascadeError(error: unknown): unknown {
  if (error instanceof CascadeError || !(error instanceof Error)) return error;
  switch (error.name) {
    case 'TypeError':
    case 'UnsupportedError':
      return new CascadeError('INVALID_ARGUMENT', error.message);
    case 'WorkerClosedError':
      return new CascadeError('CONFLICT', error.message);
    case 'NotFoundError':
      return new CascadeError('NOT_FOUND', error.message);
    default:
      // The worker refused one request over its content (duplicate MID or SSRC, say). Channel
      // or process failures (WorkerClosedError) do not look like this.
      return WORKER_REFUSAL.test(error.message) || WORKER_ANSWER_FRAME.test(error.stack ?? '')
        ? new CascadeError('INVALID_ARGUMENT', error.message)
        : error;
  }
}

export const notFound = (what: string, id: string) =>
  new CascadeError('NOT_FOUND', `no ${what} ${id} here`);

/** For `map.get(id) ?? throwNotFound('producer', id)`. */
export function throwNotFound(what: string, id: string): never {
  throw notFound(what, id);
}
