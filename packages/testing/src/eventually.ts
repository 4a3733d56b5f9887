import { waitFor } from './net';

/**
 * Reads `read()` until `done(value)` holds, for at most `timeoutMs`; resolves with that value.
 * On timeout the error shows the last value read, so a failure says how far things got.
 */
export async function eventually<T>(
  what: string,
  read: () => Promise<T> | T,
  done: (value: T) => boolean,
  { timeoutMs = 15_000, intervalMs = 200 } = {},
): Promise<T> {
  let last: { value: T } | undefined;
  try {
    return await waitFor(
      what,
      async () => {
        last = { value: await read() };
        return done(last.value) ? last.value : undefined;
      },
      { timeoutMs, intervalMs },
    );
  } catch (error) {
    const seen = last ? JSON.stringify(last.value) : 'nothing (every read failed)';
    throw new Error(`${(error as Error).message}\nlast seen: ${seen}`, { cause: error });
  }
}
