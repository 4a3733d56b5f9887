import { CascadeError } from '@cascade/contracts';

const WORKER_REFUSAL = / \[method:[A-Za-z0-9_.]+\]$/;

/**
 * mediasoup refuses bad parameters with TypeError or UnsupportedError and calls on closed
 * objects with InvalidStateError (its error classes are not exported, so they are told apart by
 * name): those are the caller's mistakes and become typed errors carrying mediasoup's message.
 * The worker's own refusals of a request name the method. Anything else stays an internal error.
 */
export function toCascadeError(error: unknown): unknown {
  if (error instanceof CascadeError || !(error instanceof Error)) return error;
  switch (error.name) {
    case 'TypeError':
    case 'UnsupportedError':
      return new CascadeError('INVALID_ARGUMENT', error.message);
    case 'InvalidStateError':
      return new CascadeError('CONFLICT', error.message);
    default:
      // The worker refused one request over its content (duplicate MID or SSRC, say); it names
      // the method it refused. Channel or process failures do not look like this.
      return WORKER_REFUSAL.test(error.message)
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
