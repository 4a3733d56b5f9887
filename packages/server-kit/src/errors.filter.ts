import {
  type ArgumentsHost,
  Catch,
  type ExceptionFilter,
  HttpException,
  HttpStatus,
  Logger,
} from '@nestjs/common';
import { CascadeError, type ErrorCode, type ErrorEnvelope } from '@cascade/contracts';
import type { Response } from 'express';

import { typedError } from './dependency-errors';

const CODE_BY_STATUS: Record<number, ErrorCode> = {
  400: 'INVALID_ARGUMENT',
  401: 'UNAUTHENTICATED',
  403: 'FORBIDDEN',
  404: 'NOT_FOUND',
  409: 'CONFLICT',
  413: 'INVALID_ARGUMENT',
  429: 'RATE_LIMITED',
};

/**
 * A message as the envelope allows it: never empty, at most 2,000 characters (Nest's "Cannot GET
 * <path>" repeats the caller's path, which may be longer).
 */
function bounded(message: string): string {
  if (message.length === 0) return 'invalid request';
  return message.length > 2_000 ? `${message.slice(0, 1_997)}...` : message;
}

/**
 * The 4xx status of an error that Express middleware raised before any handler ran (body-parser's
 * `http-errors`: a body too large, malformed JSON, an unsupported charset): such errors say
 * `expose: true`, so their message is meant for the caller.
 */
function clientErrorStatus(exception: unknown): number | undefined {
  if (!(exception instanceof Error)) return undefined;
  const { status, expose } = exception as Error & { status?: unknown; expose?: unknown };
  return expose === true && typeof status === 'number' && status >= 400 && status < 500
    ? status
    : undefined;
}

/**
 * Every HTTP error leaves as the contracts' error envelope with the status its code maps to.
 * A data service that cannot be reached is `NODE_UNAVAILABLE` (503, see `typedError`); other
 * unknown errors become `INTERNAL` and are logged with their stack; their message stays inside.
 * `RATE_LIMITED` with `details.retryAfterSeconds` also says it in `Retry-After` (whole seconds).
 */
@Catch()
export class ErrorEnvelopeFilter implements ExceptionFilter {
  private readonly logger = new Logger('http');

  catch(exception: unknown, host: ArgumentsHost): void {
    if (host.getType() !== 'http') throw exception;
    const res = host.switchToHttp().getResponse<Response>();
    const typed = typedError(exception);
    const [status, envelope] = this.toEnvelope(typed);
    if (typed !== exception)
      this.logger.warn(
        `${envelope.message}: ${exception instanceof Error ? exception.message : String(exception)}`,
      );
    else if (status >= 500)
      this.logger.error(exception instanceof Error ? exception.stack : exception);
    const retryAfter = envelope.details?.['retryAfterSeconds'];
    if (envelope.code === 'RATE_LIMITED' && typeof retryAfter === 'number' && retryAfter > 0) {
      res.setHeader('Retry-After', String(Math.ceil(retryAfter)));
    }
    res.status(status).json(envelope);
  }

  private toEnvelope(exception: unknown): [number, ErrorEnvelope] {
    if (exception instanceof CascadeError) return [exception.httpStatus, exception.toEnvelope()];
    if (exception instanceof HttpException) {
      const status = exception.getStatus();
      const code = CODE_BY_STATUS[status] ?? (status >= 500 ? 'INTERNAL' : 'INVALID_ARGUMENT');
      return [
        status,
        { code, message: status >= 500 ? 'internal error' : bounded(exception.message) },
      ];
    }
    const clientStatus = clientErrorStatus(exception);
    if (clientStatus !== undefined) {
      const code = CODE_BY_STATUS[clientStatus] ?? 'INVALID_ARGUMENT';
      return [clientStatus, { code, message: bounded((exception as Error).message) }];
    }
    return [HttpStatus.INTERNAL_SERVER_ERROR, CascadeError.toEnvelope(exception)];
  }
}
