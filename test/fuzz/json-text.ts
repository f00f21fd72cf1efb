/**
 * JSON values that `JSON.stringify` cannot write: numbers past double precision or range (`1e400`,
 * 30-digit integers, `-0`) and nesting deep enough to break recursive code. A `RawJson` leaf is written
 * into the body text verbatim.
 */
export class RawJson {
  constructor(readonly text: string) {}
}

/** `[[[…]]]` or `{"a":{"a":…}}`, `depth` levels deep, written without recursion. */
export function deeplyNested(depth: number, shape: 'array' | 'object'): RawJson {
  return shape === 'array'
    ? new RawJson('['.repeat(depth) + ']'.repeat(depth))
    : new RawJson('{"a":'.repeat(depth) + '1' + '}'.repeat(depth));
}

/** Like `JSON.stringify`, with `RawJson` leaves verbatim and own `__proto__` keys kept as data. */
export function toJsonText(value: unknown): string {
  if (value instanceof RawJson) return value.text;
  if (Array.isArray(value)) return `[${value.map(toJsonText).join(',')}]`;
  if (typeof value === 'object' && value !== null) {
    return `{${Object.keys(value)
      .map((k) => `${JSON.stringify(k)}:${toJsonText((value as Record<string, unknown>)[k])}`)
      .join(',')}}`;
  }
  if (value === undefined) return 'null';
  return JSON.stringify(value);
}

/** A location in a JSON tree: keys of objects and indexes of arrays from the root. */
export type JsonPath = (string | number)[];

/** Every node's path, root first, depth-first in key order (stable, so a chosen index shrinks well). */
export function jsonPaths(value: unknown, at: JsonPath = []): JsonPath[] {
  const paths: JsonPath[] = [at];
  if (value instanceof RawJson) return paths;
  if (Array.isArray(value)) value.forEach((item, i) => paths.push(...jsonPaths(item, [...at, i])));
  else if (typeof value === 'object' && value !== null)
    for (const key of Object.keys(value))
      paths.push(...jsonPaths((value as Record<string, unknown>)[key], [...at, key]));
  return paths;
}

export function nodeAt(root: unknown, path: JsonPath): unknown {
  let node = root;
  for (const key of path) node = (node as Record<string | number, unknown>)[key];
  return node;
}

function setOwn(target: Record<string, unknown>, key: string, value: unknown): void {
  // Plain assignment of `__proto__` would change the prototype instead of adding a key.
  Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
}

/**
 * A copy of `root` with the node at `path` replaced by `replace(node)`; `undefined` from `replace`
 * removes the key (or array element).
 */
export function updateAt(root: unknown, path: JsonPath, replace: (node: unknown) => unknown): unknown {
  if (path.length === 0) return replace(root);
  const [head, ...rest] = path;
  if (Array.isArray(root)) {
    const copy = [...root];
    const next = updateAt(copy[head as number], rest, replace);
    if (next === undefined && rest.length === 0) copy.splice(head as number, 1);
    else copy[head as number] = next;
    return copy;
  }
  if (typeof root === 'object' && root !== null && !(root instanceof RawJson)) {
    const copy: Record<string, unknown> = {};
    for (const key of Object.keys(root)) {
      if (key !== head) setOwn(copy, key, (root as Record<string, unknown>)[key]);
      else {
        const next = updateAt((root as Record<string, unknown>)[key], rest, replace);
        if (next !== undefined || rest.length > 0) setOwn(copy, key, next);
      }
    }
    return copy;
  }
  return root;
}

export function withKey(node: unknown, key: string, value: unknown): unknown {
  if (typeof node !== 'object' || node === null || Array.isArray(node) || node instanceof RawJson)
    return node;
  const copy: Record<string, unknown> = {};
  for (const k of Object.keys(node)) setOwn(copy, k, (node as Record<string, unknown>)[k]);
  setOwn(copy, key, value);
  return copy;
}
