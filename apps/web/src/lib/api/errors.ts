import { CascadeError, ErrorEnvelope, FieldIssue } from '@cascade/contracts';
import { z } from 'zod';

/** The typed error of a failed response: the server's envelope, or one made from the status. */
export async function readError(response: Response): Promise<CascadeError> {
  let body: unknown;
  try {
    body = await response.json();
  } catch {
    body = undefined;
  }
  const envelope = ErrorEnvelope.safeParse(body);
  if (envelope.success) return CascadeError.fromEnvelope(envelope.data);
  const code =
    response.status === 401
      ? 'UNAUTHENTICATED'
      : response.status === 403
        ? 'FORBIDDEN'
        : response.status === 404
          ? 'NOT_FOUND'
          : response.status === 429
            ? 'RATE_LIMITED'
            : 'INTERNAL';
  return new CascadeError(code, `the server answered ${response.status}`);
}

const Issues = z.array(FieldIssue);

/**
 * Field errors of an `INVALID_ARGUMENT` error, by field path (`title`, `capacity`), for forms to
 * show beside their inputs. Anything else gives an empty object.
 */
export function fieldErrorsOf(error: unknown): Record<string, string> {
  if (!(error instanceof CascadeError) || error.code !== 'INVALID_ARGUMENT') return {};
  const issues = Issues.safeParse(error.details?.['issues']);
  if (!issues.success) return {};
  const fields: Record<string, string> = {};
  for (const issue of issues.data) fields[issue.path || ''] ??= issue.message;
  return fields;
}

/** Field errors of a zod validation, by path, the same shape as {@link fieldErrorsOf}. */
export function zodFieldErrors(error: z.ZodError): Record<string, string> {
  const fields: Record<string, string> = {};
  for (const issue of error.issues) fields[issue.path.join('.')] ??= issue.message;
  return fields;
}

/** A sentence a person can read for any error. */
export function describeError(error: unknown): string {
  if (error instanceof CascadeError) {
    switch (error.code) {
      case 'RATE_LIMITED':
        return 'Too many requests. Wait a moment and try again.';
      case 'INTERNAL':
        return 'Something went wrong on our side. Try again.';
      case 'TIMEOUT':
      case 'NODE_UNAVAILABLE':
      case 'CAPACITY_EXHAUSTED':
        return 'The service is busy. Try again in a moment.';
      default:
        return error.message;
    }
  }
  if (error instanceof TypeError) return 'Cannot reach Cascade. Check your connection.';
  return 'Something went wrong. Try again.';
}
