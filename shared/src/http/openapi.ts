import { Router, type RequestHandler } from 'express';
import swaggerUi from 'swagger-ui-express';
import { z } from 'zod';
import { createDocument, type ZodOpenApiPathsObject } from 'zod-openapi';

/** The error body every error of both APIs has (docs/contract.md). */
export const errorSchema = z
  .object({ error: z.string(), message: z.string() })
  .catchall(z.unknown())
  .meta({ id: 'Error', description: 'snake_case code, human message, and details that depend on the code' });

export const jsonContent = (schema: z.ZodType, description: string) => ({
  description,
  content: { 'application/json': { schema } },
});

export const errorResponse = (description: string) => jsonContent(errorSchema, description);

/** An OpenAPI 3.1 document generated from the same zod schemas the routes validate and answer with. */
export function openApiDocument(title: string, description: string, paths: ZodOpenApiPathsObject) {
  return createDocument({ openapi: '3.1.0', info: { title, version: '1.0.0', description }, paths });
}

/** `GET /openapi.json` and a browsable page at `/docs` (Swagger UI, served from the package, no CDN). */
export function docsRouter(document: object): Router {
  const router = Router();
  router.get('/openapi.json', (_req, res) => {
    res.json(document);
  });
  // Swagger UI answers its page to any method; a POST or DELETE there is an unknown route (404).
  router.use('/docs', readOnly, swaggerUi.serve, swaggerUi.setup(document, { customSiteTitle: 'API docs' }));
  return router;
}

const readOnly: RequestHandler = (req, _res, next) => next(req.method === 'GET' || req.method === 'HEAD' ? undefined : 'router');
