import type { ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { accessSync, constants } from 'node:fs';
import { delimiter, join } from 'node:path';

/** Keeps the last `lines` lines a child wrote to stdout and stderr, for failure messages. */
export function tailOutput(child: ChildProcess, lines = 40): () => string {
  const kept: string[] = [];
  for (const stream of [child.stdout, child.stderr]) {
    stream?.setEncoding('utf8').on('data', (chunk: string) => {
      kept.push(...chunk.split('\n').filter((line) => line.trim() !== ''));
      kept.splice(0, Math.max(0, kept.length - lines));
    });
  }
  return () => kept.join('\n');
}

function hasExited(child: ChildProcess): boolean {
  // No pid: it never started (spawn failed), so there is nothing to wait for.
  return child.pid === undefined || child.exitCode !== null || child.signalCode !== null;
}

async function exitedWithin(child: ChildProcess, ms: number): Promise<boolean> {
  if (hasExited(child)) return true;
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<false>((resolve) => (timer = setTimeout(() => resolve(false), ms)));
  const exited = once(child, 'exit').then(() => true);
  try {
    return await Promise.race([exited, timedOut]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Ends a child politely (closing its IPC channel if it has one, SIGTERM otherwise), then with
 * SIGKILL if it is still running after `graceMs`. Resolves once it has exited.
 */
export async function stopProcess(child: ChildProcess, graceMs = 5_000): Promise<void> {
  if (hasExited(child)) return;
  if (child.connected) child.disconnect();
  else child.kill('SIGTERM');
  if (await exitedWithin(child, graceMs)) return;
  child.kill('SIGKILL');
  if (!(await exitedWithin(child, graceMs)))
    throw new Error(`process ${child.pid} survived SIGKILL`);
}

/**
 * `Promise.all` that waits for every promise to settle before it fails, so that a setup step
 * that starts processes is not still starting one when the suite's cleanup has already run.
 */
export async function allSettledOrThrow<T extends readonly unknown[]>(
  promises: [...{ [K in keyof T]: Promise<T[K]> }],
): Promise<T> {
  const results = await Promise.allSettled(promises);
  const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failed) throw failed.reason;
  return results.map((r) => (r as PromiseFulfilledResult<unknown>).value) as unknown as T;
}

/** Whether `command` is an executable on PATH. */
export function onPath(command: string): boolean {
  return (process.env['PATH'] ?? '').split(delimiter).some((dir) => {
    try {
      accessSync(join(dir, command), constants.X_OK);
      return true;
    } catch {
      return false;
    }
  });
}
