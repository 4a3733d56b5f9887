/** Why a camera or microphone could not be opened, as the pre-join screen explains it. */
export type MediaProblem = 'denied' | 'notFound' | 'inUse' | 'other';

export function mediaProblemOf(error: unknown): MediaProblem {
  const name = (error as { name?: unknown } | null)?.name;
  switch (name) {
    case 'NotAllowedError':
    case 'SecurityError':
      return 'denied';
    case 'NotFoundError':
    case 'OverconstrainedError':
      return 'notFound';
    case 'NotReadableError':
    case 'AbortError':
      return 'inUse';
    default:
      return 'other';
  }
}

export function describeMediaProblem(
  problem: MediaProblem,
  device: 'camera' | 'microphone',
): string {
  switch (problem) {
    case 'denied':
      return `The browser blocked your ${device}. Allow it in the address bar's site settings, then try again.`;
    case 'notFound':
      return `No ${device} was found. Connect one, or join with it off.`;
    case 'inUse':
      return `Your ${device} is in use by another app. Close it there, then try again.`;
    default:
      return `Your ${device} could not be started.`;
  }
}
