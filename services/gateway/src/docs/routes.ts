import { readFileSync } from 'node:fs';
import type { FastifyInstance } from 'fastify';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import { loadOpenApiDocument, openApiDocumentPath } from '@npq/contracts';

/** Swagger UI at /api/docs/v3, and the document itself (YAML as DfE serves it, and JSON). */
export async function docsRoutes(app: FastifyInstance): Promise<void> {
  const yaml = readFileSync(openApiDocumentPath, 'utf8');
  await app.register(swagger, {
    mode: 'static',
    specification: { document: loadOpenApiDocument() as never },
  });
  // Its own Content-Security-Policy (scripts from itself only), instead of the API's default-src 'none'.
  await app.register(swaggerUi, { routePrefix: '/api/docs/v3', staticCSP: true });
  app.get('/api/docs/v3/swagger.yaml', async (_req, reply) => reply.type('application/yaml').send(yaml));
}
