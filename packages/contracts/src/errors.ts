import { z } from 'zod';

/**
 * The closed list of error codes that may cross a process boundary. Every failure a client,
 * a service or a node sees is one of these, wrapped in an {@link ErrorEnvelope}.
 */
export const ERROR_CODES = [
  'INVALID_ARGUMENT',
  'UNAUTHENTICATED',
  'FORBIDDEN',
  'NOT_FOUND',
  'CONFLICT',
  'ROOM_FULL',
  'LIMIT_EXCEEDED',
  'RATE_LIMITED',
  'CAPACITY_EXHAUSTED',
  'NODE_UNAVAILABLE',
  'UNSUPPORTED_PROTOCOL',
  'TIMEOUT',
  'INTERNAL',
] as const;

export const ErrorCode = z.enum(ERROR_CODES);
export type ErrorCode = z.infer<typeof ErrorCode>;

/** One failed field of an `INVALID_ARGUMENT` error: `path` is `a.b[2].c`, or `` for the root. */
export const FieldIssue = z.object({
  path: z.string(),
  message: z.string(),
});
export type FieldIssue = z.infer<typeof FieldIssue>;

export const ErrorEnvelope = z.object({
  code: ErrorCode,
  message: z.string().min(1).max(2_000),
  details: z.record(z.string(), z.unknown()).optional(),
});
export type ErrorEnvelope = z.infer<typeof ErrorEnvelope>;

/** The HTTP status that each code maps to at an HTTP edge. */
export const HTTP_STATUS_BY_CODE: Readonly<Record<ErrorCode, number>> = {
  INVALID_ARGUMENT: 400,
  UNAUTHENTICATED: 401,
  FORBIDDEN: 403,
  NOT_FOUND: 404,
  CONFLICT: 409,
  ROOM_FULL: 409,
  LIMIT_EXCEEDED: 403,
  RATE_LIMITED: 429,
  CAPACITY_EXHAUSTED: 503,
  NODE_UNAVAILABLE: 503,
  UNSUPPORTED_PROTOCOL: 426,
  TIMEOUT: 504,
  INTERNAL: 500,
};

/**
 * The typed error that domain code throws. Edges turn it into an {@link ErrorEnvelope}
 * (`toEnvelope()`), and turn a received envelope back into one (`CascadeError.fromEnvelope`).
 */
export class CascadeError extends Error {
  override readonly name = 'CascadeError';
  readonly code: ErrorCode;
  readonly details: Record<string, unknown> | undefined;

  constructor(code: ErrorCode, message: string, details?: Record<string, unknown>) {
    super(message);
    this.code = code;
    this.details = details;
  }

  get httpStatus(): number {
    return HTTP_STATUS_BY_CODE[this.code];
  }

  toEnvelope(): ErrorEnvelope {
    return this.details === undefined
      ? { code: this.code, message: this.message }
      : { code: this.code, message: this.message, details: this.details };
  }

  static fromEnvelope(envelope: ErrorEnvelope): CascadeError {
    return new CascadeError(envelope.code, envelope.message, envelope.details);
  }

  /**
   * Any thrown value as an envelope: a CascadeError keeps its code; anything else becomes
   * `INTERNAL` without leaking its message (which may hold internals) to the other side.
   */
  static toEnvelope(error: unknown): ErrorEnvelope {
    if (error instanceof CascadeError) return error.toEnvelope();
    return { code: 'INTERNAL', message: 'internal error' };
  }
}

export function isCascadeError(error: unknown): error is CascadeError {
  return error instanceof CascadeError;
}
