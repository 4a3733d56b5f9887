import type { INestApplication } from '@nestjs/common';
import { DocumentBuilder, type OpenAPIObject, SwaggerModule } from '@nestjs/swagger';

type SchemaObject = NonNullable<NonNullable<OpenAPIObject['components']>['schemas']>[string] &
  object;
import { ErrorEnvelope } from '@cascade/contracts';
import { z } from 'zod';

/** An OpenAPI schema generated from a contracts schema, so the docs never drift from validation. */
export function openApiSchema(schema: z.ZodType, io: 'input' | 'output' = 'output'): SchemaObject {
  return z.toJSONSchema(schema, {
    target: 'openapi-3.0',
    io,
    unrepresentable: 'any',
  }) as SchemaObject;
}

export const ERROR_SCHEMA = openApiSchema(ErrorEnvelope);

/** Serves the OpenAPI document at `/docs` (UI) and `/docs-json`. */
export function setupOpenApi(app: INestApplication, version: string): void {
  const config = new DocumentBuilder()
    .setTitle('Cascade rooms')
    .setDescription(
      'Rooms, membership and bans, presence, invitations and chat history. Every route takes ' +
        'an identity access token (`Authorization: Bearer`); errors are the Cascade error envelope.',
    )
    .setVersion(version)
    .addBearerAuth()
    .build();
  const document = SwaggerModule.createDocument(app, config);
  SwaggerModule.setup('docs', app, document, { jsonDocumentUrl: 'docs-json' });
}
