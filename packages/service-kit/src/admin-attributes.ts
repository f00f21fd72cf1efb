import { AttributeReader } from './attribute-reader';
import { readAttributes } from './jsonapi';

/**
 * `data.attributes` of an admin request. Unlike v3 (which drops unknown attributes, as DfE does), the admin
 * API refuses them with a 422, so an operator's typo is never silently ignored.
 */
export function readAdminAttributes(body: unknown, known: readonly string[]): Record<string, unknown> {
  const attrs = readAttributes(body)!;
  const reader = new AttributeReader(attrs);
  reader.rejectUnknown(known);
  reader.errors.throwIfAny();
  return attrs;
}
