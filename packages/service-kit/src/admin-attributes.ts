import { ValidationErrors } from './errors';
import { readAttributes } from './jsonapi';

/**
 * `data.attributes` of an admin request. Unlike v3 (which drops unknown attributes, as DfE does), the admin
 * API refuses them with a 422, so an operator's typo is never silently ignored.
 */
export function readAdminAttributes(body: unknown, known: readonly string[]): Record<string, unknown> {
  const attrs = readAttributes(body)!;
  const errors = new ValidationErrors();
  for (const key of Object.keys(attrs)) {
    if (!known.includes(key)) errors.add(key, `'#/${key}' is not a known attribute`);
  }
  errors.throwIfAny();
  return attrs;
}
