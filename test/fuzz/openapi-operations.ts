import { loadOpenApiDocument, type OpenApiDocument } from '@npq/contracts';

/** A JSON Schema fragment of the OpenAPI document, with every `$ref` resolved. */
export type Schema = Record<string, unknown>;

export type TokenScope = 'lead_provider' | 'admin' | 'teacher_record_service' | 'none';

export interface OperationParameter {
  name: string;
  in: 'path' | 'query' | 'header';
  /** `deepObject` query parameters are sent as `name[key]=value`. */
  style: string | undefined;
  schema: Schema;
}

/** One operation of the OpenAPI document, as much as the fuzzer needs of it. */
export interface Operation {
  id: string;
  method: string;
  /** The template, e.g. `/api/v3/npq-applications/{id}`. */
  path: string;
  parameters: OperationParameter[];
  /** The `application/json` request body schema, if the operation documents one. */
  body: Schema | undefined;
  /** The document's request body examples: valid bodies to start mutating from. */
  bodyExamples: unknown[];
  scope: TokenScope;
}

const METHODS = ['get', 'put', 'post', 'delete', 'patch'];

function resolvePointer(doc: OpenApiDocument, ref: string): unknown {
  if (!ref.startsWith('#/')) throw new Error(`only local $refs are supported: ${ref}`);
  let node: unknown = doc;
  for (const part of ref.slice(2).split('/')) {
    node = (node as Record<string, unknown>)[part.replace(/~1/g, '/').replace(/~0/g, '~')];
    if (node === undefined) throw new Error(`dangling $ref ${ref}`);
  }
  return node;
}

/** Inlines every `$ref` (request schemas are not recursive; a cycle would be a document error). */
export function deref(doc: OpenApiDocument, node: unknown, seen: string[] = []): unknown {
  if (Array.isArray(node)) return node.map((item) => deref(doc, item, seen));
  if (typeof node !== 'object' || node === null) return node;
  const record = node as Record<string, unknown>;
  if (typeof record.$ref === 'string') {
    if (seen.includes(record.$ref)) throw new Error(`recursive $ref ${record.$ref}`);
    const { $ref, ...siblings } = record;
    const target = deref(doc, resolvePointer(doc, $ref), [...seen, $ref]) as Record<string, unknown>;
    // OpenAPI 3.1 allows siblings next to $ref (descriptions mostly); they refine the target.
    return { ...target, ...(deref(doc, siblings, seen) as Record<string, unknown>) };
  }
  return Object.fromEntries(Object.entries(record).map(([k, v]) => [k, deref(doc, v, seen)]));
}

function scopeOf(security: unknown): TokenScope {
  const names = Array.isArray(security)
    ? security.flatMap((s) => Object.keys(s as Record<string, unknown>))
    : [];
  if (names.includes('adminToken')) return 'admin';
  if (names.includes('teacherRecordServiceToken')) return 'teacher_record_service';
  if (names.includes('leadProviderToken')) return 'lead_provider';
  return 'none';
}

/**
 * Every operation of the platform's OpenAPI document, so that a route added to the document is fuzzed
 * without touching the fuzzer.
 */
export function loadOperations(doc: OpenApiDocument = loadOpenApiDocument()): Operation[] {
  const operations: Operation[] = [];
  for (const [path, rawItem] of Object.entries(doc.paths)) {
    const item = deref(doc, rawItem) as Record<string, unknown>;
    const shared = (item.parameters as Record<string, unknown>[] | undefined) ?? [];
    for (const method of METHODS) {
      const op = item[method] as Record<string, unknown> | undefined;
      if (!op) continue;
      const params = [...shared, ...((op.parameters as Record<string, unknown>[] | undefined) ?? [])];
      type Media = { schema?: Schema; example?: unknown; examples?: Record<string, { value?: unknown }> };
      const json = (op.requestBody as { content?: Record<string, Media> } | undefined)?.content?.[
        'application/json'
      ];
      operations.push({
        id: (op.operationId as string | undefined) ?? `${method} ${path}`,
        method: method.toUpperCase(),
        path,
        parameters: params.map((p) => ({
          name: p.name as string,
          in: p.in as OperationParameter['in'],
          style: p.style as string | undefined,
          schema: (p.schema as Schema | undefined) ?? { type: 'string' },
        })),
        body: json?.schema,
        bodyExamples: [
          ...(json?.example === undefined ? [] : [json.example]),
          ...Object.values(json?.examples ?? {})
            .map((e) => e.value)
            .filter((v) => v !== undefined),
        ],
        scope: scopeOf(op.security ?? doc.security),
      });
    }
  }
  return operations;
}
