/** One entry of DfE's JSON:API-like error envelope. `title` is the attribute key for 422s. */
export interface ErrorItem {
  title: string;
  detail: string;
  [extra: string]: unknown;
}

export type ErrorBody = { error: string } | { errors: ErrorItem[] };

/**
 * A typed error a service throws; the shared error handler turns it into the status and body.
 * `expected` errors are client mistakes (logged at warn); unexpected ones are defects (logged at error).
 */
export class ApiError extends Error {
  constructor(
    readonly statusCode: number,
    readonly body: ErrorBody,
    readonly expected = true,
    readonly headers: Record<string, string> = {},
  ) {
    super('errors' in body ? body.errors.map((e) => `${e.title}: ${e.detail}`).join('; ') : body.error);
    this.name = 'ApiError';
  }
}

export const DATA_STRUCTURE_REQUIRED = 'correct json data structure required. See API docs for reference';

export function badRequest(detail: string): ApiError {
  return new ApiError(400, { errors: [{ title: 'Bad request', detail }] });
}

export function unauthorized(): ApiError {
  return new ApiError(401, { error: 'HTTP Token: Access denied' });
}

export function forbidden(title: string, detail: string): ApiError {
  return new ApiError(403, { errors: [{ title, detail }] });
}

export function notFound(): ApiError {
  return new ApiError(404, { error: 'Resource not found' });
}

export function gone(items: ErrorItem[]): ApiError {
  return new ApiError(410, { errors: items });
}

export function payloadTooLarge(limitBytes: number): ApiError {
  return new ApiError(413, {
    errors: [
      { title: 'Payload too large', detail: `The request body must not be larger than ${limitBytes} bytes` },
    ],
  });
}

export function unprocessable(items: ErrorItem[]): ApiError {
  return new ApiError(422, { errors: items });
}

/** DfE's generic 422 when a model-level validation escapes a service (`ActiveRecord::RecordInvalid`). */
export function unprocessableEntity(): ApiError {
  return new ApiError(422, { error: 'Unprocessable entity' });
}

export function internalError(): ApiError {
  return new ApiError(500, { error: 'Internal server error' }, false);
}

/**
 * Collects validation messages the way ActiveModel does: grouped by attribute in the order each attribute
 * first failed, messages de-duplicated per attribute, in the order added.
 */
export class ValidationErrors {
  private readonly byAttribute = new Map<string, string[]>();

  add(attribute: string, message: string): this {
    const messages = this.byAttribute.get(attribute);
    if (!messages) this.byAttribute.set(attribute, [message]);
    else if (!messages.includes(message)) messages.push(message);
    return this;
  }

  any(): boolean {
    return this.byAttribute.size > 0;
  }

  has(attribute: string): boolean {
    return this.byAttribute.has(attribute);
  }

  items(): ErrorItem[] {
    const items: ErrorItem[] = [];
    for (const [title, messages] of this.byAttribute) {
      for (const detail of messages) items.push({ title, detail });
    }
    return items;
  }

  /** Throws the 422 if anything was added. */
  throwIfAny(): void {
    if (this.any()) throw unprocessable(this.items());
  }
}
