import { CascadeError } from '@cascade/contracts';

/** The typed error a request fails with (fails the test if it succeeds or fails untyped). */
export async function failure(promise: Promise<unknown>): Promise<CascadeError> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof CascadeError) return error;
    throw error;
  }
  throw new Error('expected the request to fail');
}

/** `OK`, or the code of the typed error the request fails with. */
export async function codeOf(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
    return 'OK';
  } catch (error) {
    if (error instanceof CascadeError) return error.code;
    throw error;
  }
}
