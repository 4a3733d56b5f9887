import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';

import type { Params } from 'nestjs-pino';
import pino, { type Logger, type LoggerOptions } from 'pino';

const REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;
const PROBE_PATHS = new Set(['/healthz', '/readyz', '/metrics']);

export interface LoggingOptions {
  service: string;
  version: string;
  instanceId: string;
  level: string;
}

/** Fields on every log line of a service: which service, which build, which process. */
export function baseLoggerOptions(o: LoggingOptions): LoggerOptions {
  return {
    level: o.level,
    base: { service: o.service, version: o.version, instance: o.instanceId },
    timestamp: pino.stdTimeFunctions.isoTime,
    formatters: { level: (label) => ({ level: label }) },
    redact: {
      paths: ['req.headers.authorization', 'req.headers.cookie', 'res.headers["set-cookie"]'],
      censor: '[redacted]',
    },
  };
}

/** A logger for before Nest exists (configuration errors) and after it is gone. */
export function createStandaloneLogger(o: LoggingOptions, fd: 1 | 2 = 1): Logger {
  return pino(baseLoggerOptions(o), pino.destination({ fd, sync: true }));
}

/**
 * Request ids: taken from `x-request-id` when a caller (Traefik, another service) sent a sane
 * one, generated otherwise, echoed back, and put on every log line of that request.
 */
export function requestIdFor(req: IncomingMessage, res: ServerResponse): string {
  const header = req.headers['x-request-id'];
  const candidate = Array.isArray(header) ? header[0] : header;
  const id = candidate !== undefined && REQUEST_ID.test(candidate) ? candidate : randomUUID();
  res.setHeader('x-request-id', id);
  return id;
}

export function nestLoggerParams(o: LoggingOptions): Params {
  return {
    pinoHttp: {
      ...baseLoggerOptions(o),
      genReqId: requestIdFor,
      // On the request's own log line and on every line logged while handling it.
      customProps: (req) => ({ requestId: req.id }),
      autoLogging: { ignore: (req) => PROBE_PATHS.has((req.url ?? '').split('?')[0] ?? '') },
      serializers: {
        req: (req: { id: unknown; method: string; url: string }) => ({
          id: req.id,
          method: req.method,
          url: req.url,
        }),
        res: (res: { statusCode: number }) => ({ statusCode: res.statusCode }),
      },
    },
  };
}
