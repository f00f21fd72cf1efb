import { badRequest, DATA_STRUCTURE_REQUIRED } from './errors';

export interface Resource<T extends string = string, A = Record<string, unknown>> {
  id: string;
  type: T;
  attributes: A;
}

/** `{"data": {"id", "type", "attributes"}}`, keys in DfE's order. */
export function single<T extends string, A>(id: string, type: T, attributes: A): { data: Resource<T, A> } {
  return { data: { id, type, attributes } };
}

/** `{"data": [...]}`: no links, meta or counts, as DfE's v3 lists have none. */
export function list<R>(items: R[]): { data: R[] } {
  return { data: items };
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export interface ReadAttributesOptions {
  /** Accept/change-funded-place: a body with no `data` key at all means "no attributes". */
  allowMissingData?: boolean;
  /**
   * Attribute keys the endpoint reads; others are dropped, and so is an array or object value of a permitted
   * key (Rails' `permit(:key)` keeps scalars only, so the service sees the key as absent).
   */
  permitted?: readonly string[];
  /** Accept: `attributes` holding only unknown keys is the same 400 as empty attributes. */
  requirePermittedKey?: boolean;
}

/**
 * `data.attributes` of a request body. Missing `data`/`attributes`, or empty attributes, is DfE's 400
 * "correct json data structure required"; `undefined` is returned only when `allowMissingData` and the
 * body has no `data` at all.
 */
export function readAttributes(
  body: unknown,
  options: ReadAttributesOptions = {},
): Record<string, unknown> | undefined {
  const missing = badRequest(DATA_STRUCTURE_REQUIRED);
  if (
    options.allowMissingData &&
    (body === undefined || body === null || (isPlainObject(body) && !('data' in body)))
  ) {
    return undefined;
  }
  if (!isPlainObject(body) || !isPlainObject(body.data)) throw missing;
  const attributes = body.data.attributes;
  if (!isPlainObject(attributes) || Object.keys(attributes).length === 0) throw missing;
  if (!options.permitted) return attributes;
  const kept: Record<string, unknown> = {};
  for (const key of options.permitted) {
    const value = attributes[key];
    const scalar = typeof value !== 'object' || value === null;
    if (Object.prototype.hasOwnProperty.call(attributes, key) && scalar) kept[key] = value;
  }
  if (options.requirePermittedKey && Object.keys(kept).length === 0) throw missing;
  return kept;
}
