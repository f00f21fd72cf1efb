import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';

/** Absolute path of the OpenAPI document (works from both src/ and dist/). */
export const openApiDocumentPath = path.join(__dirname, '..', 'openapi', 'openapi.yaml');

export interface OpenApiDocument {
  openapi: string;
  info: Record<string, unknown>;
  paths: Record<string, Record<string, unknown>>;
  components: Record<string, Record<string, unknown>>;
  [key: string]: unknown;
}

let cached: OpenApiDocument | undefined;

/** The parsed OpenAPI document; parsed once per process. */
export function loadOpenApiDocument(): OpenApiDocument {
  cached ??= parse(readFileSync(openApiDocumentPath, 'utf8')) as OpenApiDocument;
  return cached;
}

export type {
  paths as ApiPaths,
  components as ApiComponents,
  operations as ApiOperations,
} from './generated/openapi';
