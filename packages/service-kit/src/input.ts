import { badRequest } from './errors';

/**
 * Checks every process applies to client input before any of it reaches a handler or the database, so no
 * input can turn into a 500 further down (docs/security.md, "Input"). They run once, centrally, in the
 * HTTP app of every process: a route never has to remember them.
 */

/** Deepest nesting a JSON body may have. DfE's bodies nest three deep (`data.attributes.x`). */
export const MAX_JSON_DEPTH = 32;

/**
 * Whether a JSON text nests deeper than `limit`, measured without parsing (a scan, no recursion), so a
 * body of any depth is refused before a parser, serialiser or walker could overflow its stack on it.
 */
export function jsonNestsDeeperThan(text: string, limit: number): boolean {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c)
        i++; // backslash: skip the escaped character
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) inString = true;
    else if (c === 0x7b || c === 0x5b) {
      if (++depth > limit) return true;
    } else if (c === 0x7d || c === 0x5d) depth--;
  }
  return false;
}

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/**
 * Why PostgreSQL could not store a string: text columns refuse NUL, and an unpaired UTF-16 surrogate is
 * not Unicode (UTF-8 and jsonb refuse it). `undefined` when the string is storable.
 */
export function unstorableReason(value: string): string | undefined {
  if (value.includes('\u0000')) return 'must not contain NUL characters';
  if (LONE_SURROGATE.test(value)) return 'must be valid Unicode text';
  return undefined;
}

/** A readable location for a message: JSON-escaped, so control characters in a key stay visible. */
function pointerSegment(key: string): string {
  return JSON.stringify(key).slice(1, -1).replace(/~/g, '~0').replace(/\//g, '~1');
}

export interface UnstorableString {
  /** JSON pointer of the offending value (or key), e.g. `#/data/attributes/full_name`. */
  pointer: string;
  reason: string;
}

/** The first string, value or key, in a parsed JSON value (or query object) that could not be stored. */
export function findUnstorableString(value: unknown): UnstorableString | undefined {
  const stack: [unknown, string][] = [[value, '#']];
  while (stack.length > 0) {
    const [current, pointer] = stack.pop()!;
    if (typeof current === 'string') {
      const reason = unstorableReason(current);
      if (reason) return { pointer, reason };
    } else if (Array.isArray(current)) {
      current.forEach((item, i) => stack.push([item, `${pointer}/${i}`]));
    } else if (typeof current === 'object' && current !== null) {
      for (const [key, item] of Object.entries(current)) {
        const at = `${pointer}/${pointerSegment(key)}`;
        const reason = unstorableReason(key);
        if (reason) return { pointer: at, reason: `key ${reason}` };
        stack.push([item, at]);
      }
    }
  }
  return undefined;
}

/**
 * Parses a JSON request body with the platform's limits: invalid JSON, nesting deeper than
 * MAX_JSON_DEPTH and text PostgreSQL cannot store are each DfE's 400 for a bad body.
 */
export function parseJsonBody(text: string): unknown {
  if (jsonNestsDeeperThan(text, MAX_JSON_DEPTH)) {
    throw badRequest(`The request body must not nest deeper than ${MAX_JSON_DEPTH} levels`);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw badRequest('The request body is not valid JSON');
  }
  const bad = findUnstorableString(parsed);
  if (bad) throw badRequest(`The value at '${bad.pointer}' in the request body ${bad.reason}`);
  return parsed;
}

/** Query parameters (already parsed into an object): the same storable-text rule, as a 400. */
export function assertStorableQuery(query: unknown): void {
  const bad = findUnstorableString(query);
  if (!bad) return;
  const name = bad.pointer
    .slice(2)
    .split('/')
    .map((s, i) => (i === 0 ? s : `[${s}]`))
    .join('');
  throw badRequest(`The query parameter '${name}' ${bad.reason}`);
}

/** Path parameters identify resources: one that could never be stored can never be found. */
export function hasUnstorableParam(params: unknown): boolean {
  return findUnstorableString(params) !== undefined;
}

/** A client-supplied request id is kept only when it is a short, log-safe token. */
export const SAFE_REQUEST_ID = /^[A-Za-z0-9._:-]{1,64}$/;
