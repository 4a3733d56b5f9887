import type { INestApplication } from '@nestjs/common';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import { z } from 'zod';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type SchemaObject = Record<string, any>;

/** A contracts schema as an OpenAPI schema, for `@ApiBody` and `@ApiOkResponse`. */
export function openApiSchema(schema: z.ZodType, io: 'input' | 'output' = 'input'): SchemaObject {
  const json = z.toJSONSchema(schema, { io, unrepresentable: 'any', target: 'openapi-3.0' });
  delete (json as { $schema?: unknown }).$schema;
  return json as SchemaObject;
}

/** OpenAPI document and Swagger UI at `/docs` (JSON at `/docs-json`). */
export function setUpDocs(app: INestApplication, version: string): void {
  const config = new DocumentBuilder()
    .setTitle('Cascade identity')
    .setDescription(
      'Sign-in (Google, development), sessions (access and refresh tokens), signing keys, ' +
        'tenants, API keys and join tokens, profiles and friends. Errors are the Cascade error ' +
        'envelope `{ code, message, details? }`; `INVALID_ARGUMENT` lists `details.issues[{path, message}]`.',
    )
    .setVersion(version)
    .addBearerAuth({ type: 'http', scheme: 'bearer', bearerFormat: 'JWT' }, 'access-token')
    .addApiKey({ type: 'apiKey', in: 'header', name: 'Authorization' }, 'api-key')
    .addBearerAuth({ type: 'http', scheme: 'bearer' }, 'admin-token')
    .build();
  const document = SwaggerModule.createDocument(app, config);
  SwaggerModule.setup('docs', app, document);
}
