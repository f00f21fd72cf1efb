import { ValidationErrors } from './errors';

/**
 * Reads one attribute at a time, recording a field error (title = attribute, as DfE's 422s) for a wrong
 * type, enum or format. Nothing is coerced: `"true"` is not a boolean.
 */
export class AttributeReader {
  readonly errors = new ValidationErrors();
  constructor(private readonly attrs: Record<string, unknown>) {}

  /** Flags attributes the endpoint does not know (a typo in an ops request should not pass silently). */
  rejectUnknown(known: readonly string[]): void {
    for (const key of Object.keys(this.attrs)) {
      if (!known.includes(key)) this.errors.add(key, `'#/${key}' is not a known attribute`);
    }
  }

  has(key: string): boolean {
    return Object.prototype.hasOwnProperty.call(this.attrs, key);
  }

  string(
    key: string,
    opts: { required?: boolean; max?: number; pattern?: RegExp; patternMessage?: string } = {},
  ): string | null {
    const value = this.attrs[key];
    if (value === undefined || value === null || value === '') {
      if (opts.required) this.errors.add(key, `The '#/${key}' attribute is required`);
      return null;
    }
    if (typeof value !== 'string') {
      this.errors.add(key, `The '#/${key}' attribute must be a string`);
      return null;
    }
    const trimmed = value.trim();
    if (trimmed === '') {
      if (opts.required) this.errors.add(key, `The '#/${key}' attribute is required`);
      return null;
    }
    if (opts.max !== undefined && trimmed.length > opts.max) {
      this.errors.add(key, `The '#/${key}' attribute must be at most ${opts.max} characters`);
      return null;
    }
    if (opts.pattern && !opts.pattern.test(trimmed)) {
      this.errors.add(key, opts.patternMessage ?? `The '#/${key}' attribute is not in a valid format`);
      return null;
    }
    return trimmed;
  }

  oneOf(key: string, allowed: readonly string[], required = false): string | null {
    const value = this.attrs[key];
    if (value === undefined || value === null) {
      if (required) this.errors.add(key, `The '#/${key}' attribute is required`);
      return null;
    }
    if (typeof value !== 'string' || !allowed.includes(value)) {
      this.errors.add(key, `The '#/${key}' attribute must be one of: ${allowed.join(', ')}`);
      return null;
    }
    return value;
  }

  boolean(key: string, fallback: boolean | null): boolean | null {
    const value = this.attrs[key];
    if (value === undefined || value === null) return fallback;
    if (typeof value !== 'boolean') {
      this.errors.add(key, `The '#/${key}' attribute must be true or false`);
      return fallback;
    }
    return value;
  }
}
