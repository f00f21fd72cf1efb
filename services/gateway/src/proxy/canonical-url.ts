/**
 * The one form of a request target that the gateway routes, throttles and forwards (docs/security.md,
 * "Request targets"). Routing, the rate limit and the upstream URL must all read the same path, or a
 * client could be routed by one reading and throttled by another (`/%61pi/v3/...`).
 */
export type CanonicalTarget =
  { ok: true; url: string; path: string; query: string } | { ok: false; status: 400 | 404; detail?: string };

/** Characters no segment of one of our paths can contain once decoded. */
// eslint-disable-next-line no-control-regex -- control characters are exactly what is refused here
const FORBIDDEN_IN_SEGMENT = /[/\\\u0000-\u001f\u007f]/;
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

const NOT_FOUND: CanonicalTarget = { ok: false, status: 404 };

/**
 * Rails normalises every path before routing (repeated slashes squeezed, one trailing slash dropped), and
 * DfE's resource routes take an optional `.format` suffix (always answered in JSON). A client written
 * against DfE may rely on either, so the DfE-shaped paths are normalised the same way.
 */
function railsNormalise(path: string): string {
  const squeezed = path.replace(/\/{2,}/g, '/');
  if (!/^\/api\/(v3|teacher-record-service|teaching-record-system)\//.test(squeezed)) return squeezed;
  const trimmed = squeezed.endsWith('/') ? squeezed.slice(0, -1) : squeezed;
  return trimmed.replace(/\.[^/.]+$/, '');
}

/**
 * Decodes each path segment once and re-encodes it, so every spelling of a path (`%61pi`, `api`) becomes
 * one. A segment that cannot be decoded, is a dot segment, contains `..`, a slash, a backslash, a control
 * character or broken Unicode names nothing that exists: 404. A query string that is not valid
 * percent-encoded UTF-8 is DfE's (Rack's) 400; it is otherwise kept exactly as sent.
 */
export function canonicalTarget(rawUrl: string): CanonicalTarget {
  const q = rawUrl.indexOf('?');
  const rawPath = q === -1 ? rawUrl : rawUrl.slice(0, q);
  const query = q === -1 ? '' : rawUrl.slice(q + 1);
  if (!rawPath.startsWith('/')) return NOT_FOUND;

  const segments: string[] = [];
  for (const segment of rawPath.split('/')) {
    let decoded: string;
    try {
      decoded = decodeURIComponent(segment);
    } catch {
      return NOT_FOUND;
    }
    if (decoded === '.' || decoded.includes('..')) return NOT_FOUND;
    if (FORBIDDEN_IN_SEGMENT.test(decoded) || LONE_SURROGATE.test(decoded)) return NOT_FOUND;
    segments.push(encodeURIComponent(decoded));
  }

  try {
    decodeURIComponent(query);
  } catch {
    return {
      ok: false,
      status: 400,
      detail: 'The query string is not valid: every % must start a percent-encoded UTF-8 character',
    };
  }

  const path = railsNormalise(segments.join('/'));
  return { ok: true, path, query, url: q === -1 ? path : `${path}?${query}` };
}
