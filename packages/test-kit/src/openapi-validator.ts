import Ajv2020, { type ValidateFunction } from 'ajv/dist/2020';
import addFormats from 'ajv-formats';
import { loadOpenApiDocument, type OpenApiDocument } from '@npq/contracts';

interface Operation {
  method: string;
  template: string;
  pattern: RegExp;
  params: number;
  responses: Record<string, unknown>;
}

function rewriteRefs(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(rewriteRefs);
  if (value && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) {
      out[k] = k === '$ref' && typeof v === 'string' && v.startsWith('#/') ? `openapi${v}` : rewriteRefs(v);
    }
    return out;
  }
  return value;
}

function resolve(doc: OpenApiDocument, value: unknown): Record<string, unknown> {
  let current = value as Record<string, unknown>;
  while (current && typeof current.$ref === 'string') {
    const path = current.$ref
      .replace(/^#\//, '')
      .split('/')
      .map((p) => p.replace(/~1/g, '/').replace(/~0/g, '~'));
    let node: unknown = doc;
    for (const part of path) node = (node as Record<string, unknown>)[part];
    current = node as Record<string, unknown>;
  }
  return current;
}

export interface ContractViolation {
  operation: string;
  status: number;
  errors: string;
}

/**
 * Checks real responses against the OpenAPI document: the operation must exist, the status must be
 * documented for it, and a JSON body must validate against that response's schema.
 */
export class OpenApiValidator {
  private readonly doc = loadOpenApiDocument();
  private readonly ajv = new Ajv2020({ strict: false, allErrors: true });
  private readonly operations: Operation[] = [];
  private readonly compiled = new Map<string, ValidateFunction | null>();

  constructor() {
    addFormats(this.ajv);
    this.ajv.addSchema(this.doc, 'openapi');
    for (const [template, item] of Object.entries(this.doc.paths)) {
      for (const [method, op] of Object.entries(item)) {
        if (!['get', 'post', 'put', 'patch', 'delete'].includes(method)) continue;
        const params = (template.match(/\{/g) ?? []).length;
        const pattern = new RegExp(`^${template.replace(/\{\w+\}/g, '[^/]+')}$`);
        this.operations.push({
          method: method.toUpperCase(),
          template,
          pattern,
          params,
          responses: (op as { responses: Record<string, unknown> }).responses,
        });
      }
    }
    // Static segments win over parameters (`/participants/npq/outcomes` before `/participants/npq/{id}`).
    this.operations.sort((a, b) => a.params - b.params);
  }

  findOperation(method: string, path: string): Operation | undefined {
    return this.operations.find((o) => o.method === method.toUpperCase() && o.pattern.test(path));
  }

  /** Returns a violation, or undefined when the response matches the contract. */
  check(
    method: string,
    url: string,
    status: number,
    contentType: string | undefined,
    body: unknown,
  ): ContractViolation | undefined {
    const path = url.split('?')[0]!;
    const op = this.findOperation(method, path);
    const name = `${method.toUpperCase()} ${op?.template ?? path}`;
    if (!op) return { operation: name, status, errors: 'no such operation in the OpenAPI document' };
    const responseRef = op.responses[String(status)];
    if (!responseRef) return { operation: name, status, errors: `status ${status} is not documented` };
    const response = resolve(this.doc, responseRef);
    const content = response.content as Record<string, { schema?: unknown }> | undefined;
    if (!content) {
      return body === undefined || body === ''
        ? undefined
        : { operation: name, status, errors: 'documented without a body, but one was sent' };
    }
    const json = content['application/json'];
    if (!json) return undefined; // e.g. text/plain 429
    // Another documented media type (DfE's plain-text 429 beside the JSON one) is fine as it is.
    const mediaType = contentType?.split(';', 1)[0]?.trim();
    if (mediaType && mediaType !== 'application/json' && mediaType in content) return undefined;
    if (contentType !== 'application/json') {
      return {
        operation: name,
        status,
        errors: `content-type ${String(contentType)} is not exactly application/json`,
      };
    }
    const key = `${name} ${status}`;
    let validate = this.compiled.get(key);
    if (validate === undefined) {
      validate = json.schema ? this.ajv.compile(rewriteRefs(json.schema) as object) : null;
      this.compiled.set(key, validate);
    }
    if (validate && !validate(body)) {
      return { operation: name, status, errors: this.ajv.errorsText(validate.errors, { separator: '\n' }) };
    }
    return undefined;
  }
}

let shared: OpenApiValidator | undefined;
export function openApiValidator(): OpenApiValidator {
  shared ??= new OpenApiValidator();
  return shared;
}
