import { UseGuards, applyDecorators } from '@nestjs/common';
import {
  ApiBearerAuth,
  ApiBody,
  ApiOkResponse,
  ApiParam,
  ApiQuery,
  ApiResponse,
} from '@nestjs/swagger';
import type { z } from 'zod';

import { AuthGuard } from '../auth/auth.guard';
import { WriteRateLimitGuard } from './rate-limit.guard';
import { ERROR_SCHEMA, openApiSchema } from './openapi';

/** Every route: a verified caller, writes rate-limited, the error responses documented. */
export function Authenticated() {
  return applyDecorators(
    UseGuards(AuthGuard, WriteRateLimitGuard),
    ApiBearerAuth(),
    ApiResponse({ status: 400, description: 'INVALID_ARGUMENT', schema: ERROR_SCHEMA }),
    ApiResponse({ status: 401, description: 'UNAUTHENTICATED', schema: ERROR_SCHEMA }),
    ApiResponse({ status: 403, description: 'FORBIDDEN', schema: ERROR_SCHEMA }),
    ApiResponse({ status: 404, description: 'NOT_FOUND', schema: ERROR_SCHEMA }),
    ApiResponse({ status: 409, description: 'CONFLICT', schema: ERROR_SCHEMA }),
    ApiResponse({ status: 429, description: 'RATE_LIMITED', schema: ERROR_SCHEMA }),
  );
}

export const Body$ = (schema: z.ZodType) =>
  ApiBody({ schema: openApiSchema(schema, 'input'), required: true });
export const Returns = (schema: z.ZodType, status = 200) =>
  status === 200
    ? ApiOkResponse({ schema: openApiSchema(schema) })
    : ApiResponse({ status, schema: openApiSchema(schema) });
export const RoomParam = () => ApiParam({ name: 'roomId', type: String });

/** Documents each field of a query schema as a query parameter. */
export function QueryOf(schema: z.ZodObject) {
  return applyDecorators(
    ...Object.keys(schema.shape).map((name) => ApiQuery({ name, required: false, type: String })),
  );
}
