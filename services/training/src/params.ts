import { readAttributes } from '@npq/service-kit';

/**
 * `data.attributes` as DfE's strong parameters hand them to a service: only the permitted keys, and only
 * scalar values (`permit(:key)` drops an array or object value, so the service sees the key as absent).
 * A missing `data`/`attributes`, or empty attributes, is the 400 from `readAttributes`.
 */
export function permittedAttributes(body: unknown, permitted: readonly string[]): Record<string, unknown> {
  const attributes = readAttributes(body, { permitted })!;
  const scalars: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(attributes)) {
    if (typeof value !== 'object' || value === null) scalars[key] = value;
  }
  return scalars;
}
