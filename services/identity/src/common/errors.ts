import { CascadeError } from '@cascade/contracts';

/** Whether a database error is a unique-constraint violation (Prisma P2002, PostgreSQL 23505). */
export function isUniqueViolation(error: unknown): boolean {
  if (typeof error !== 'object' || error === null) return false;
  const e = error as { code?: unknown; cause?: unknown; meta?: { driverAdapterError?: unknown } };
  if (e.code === 'P2002' || e.code === '23505') return true;
  return isUniqueViolation(e.cause) || isUniqueViolation(e.meta?.driverAdapterError);
}

export function notFound(what: string): CascadeError {
  return new CascadeError('NOT_FOUND', `${what} not found`);
}

export function invalidField(path: string, message: string): CascadeError {
  return new CascadeError('INVALID_ARGUMENT', `invalid ${path}: ${message}`, {
    issues: [{ path, message }],
  });
}
