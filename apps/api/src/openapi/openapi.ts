import type { INestApplication } from '@nestjs/common';
import { DocumentBuilder, OpenAPIObject, SwaggerModule } from '@nestjs/swagger';

const VERSION = process.env.npm_package_version ?? '0.1.0';

/** The OpenAPI 3 document, generated from the controllers and DTOs (nothing written by hand). */
export function buildOpenApi(app: INestApplication): OpenAPIObject {
  const config = new DocumentBuilder()
    .setTitle('IdeaMine API')
    .setDescription(
      'Submit ideas, follow runs live (server-sent events), act on them, and read their dossiers. '
      + 'Every error has the body `{ "error": { "code", "message", "details" } }`; lists are cursor-paginated (`?cursor=` from `nextCursor`).',
    )
    .setVersion(VERSION)
    .addBearerAuth({ type: 'http', scheme: 'bearer', description: 'one of the keys in IM_API_KEYS' })
    .build();
  return SwaggerModule.createDocument(app, config);
}

/** /openapi.json and the docs at /docs, served from swagger-ui-dist in node_modules (no CDN). */
export function mountOpenApi(app: INestApplication): void {
  const document = buildOpenApi(app);
  SwaggerModule.setup('docs', app, document, {
    jsonDocumentUrl: 'openapi.json',
    yamlDocumentUrl: 'openapi.yaml',
    customSiteTitle: 'IdeaMine API',
    swaggerOptions: { persistAuthorization: false },
  });
}
