import { CascadeError } from '@cascade/contracts';

/**
 * mediasoup refuses bad parameters with TypeError or UnsupportedError and calls on closed
 * objects with InvalidStateError (its error classes are not exported, so they are told apart by
 * name): those are the caller's mistakes and become typed errors carrying mediasoup's message.
 * Anything else stays an internal error.
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
      return error;
  }
}

export const notFound = (what: string, id: string) =>
  new CascadeError('NOT_FOUND', `no ${what} ${id} here`);
