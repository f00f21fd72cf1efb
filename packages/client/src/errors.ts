import type { ApiComponents } from '@npq/contracts';

/** `{"error": "..."}`: 401, 404, 500 and the generic 422. */
export type LegacyError = ApiComponents['schemas']['LegacyError'];
/** `{"errors": [{"title", "detail"}]}`: 400, 403, 413, 429 (JSON), validation 422s. */
export type ErrorsEnvelope = ApiComponents['schemas']['ErrorsEnvelope'];
/** 410 for a participant id retired by a merge. */
export type ParticipantIdChangedError = ApiComponents['schemas']['ParticipantIdChangedError'];
/** Any error body the API sends; a string when it was not JSON (the gateway's 429 `Retry later`). */
export type ApiErrorBody = LegacyError | ErrorsEnvelope | ParticipantIdChangedError | string;

export function isErrorsEnvelope(body: unknown): body is ErrorsEnvelope | ParticipantIdChangedError {
  return typeof body === 'object' && body !== null && Array.isArray((body as { errors?: unknown }).errors);
}

export function isLegacyError(body: unknown): body is LegacyError {
  return typeof body === 'object' && body !== null && typeof (body as { error?: unknown }).error === 'string';
}

/** The human-readable messages of an error body, whichever shape it has. */
export function errorMessages(body: unknown): string[] {
  if (isErrorsEnvelope(body)) return body.errors.map((e) => `${e.title}: ${e.detail}`);
  if (isLegacyError(body)) return [body.error];
  if (typeof body === 'string' && body !== '') return [body];
  return [];
}

/** A non-2xx answer, thrown by `unwrap` and the list helpers. */
export class LeadProviderApiError extends Error {
  override readonly name = 'LeadProviderApiError';

  constructor(
    readonly status: number,
    readonly body: ApiErrorBody | undefined,
    readonly url: string,
  ) {
    const messages = errorMessages(body);
    super(`${url} answered ${status}${messages.length ? `: ${messages.join('; ')}` : ''}`);
  }

  /** Validation errors by attribute (`title`), for `{"errors": [...]}` bodies. */
  get fieldErrors(): Record<string, string[]> {
    const out: Record<string, string[]> = {};
    if (isErrorsEnvelope(this.body)) for (const e of this.body.errors) (out[e.title] ??= []).push(e.detail);
    return out;
  }
}

interface Result<D, E> {
  data?: D;
  error?: E;
  response: Response;
}

/**
 * The success body of an openapi-fetch result, or a thrown `LeadProviderApiError`. The typed alternative is
 * to check `result.error`, whose type is the union of the operation's documented error bodies.
 */
export function unwrap<D, E>(result: Result<D, E>): D {
  if (!result.response.ok || result.error !== undefined) {
    throw new LeadProviderApiError(
      result.response.status,
      result.error as ApiErrorBody | undefined,
      result.response.url,
    );
  }
  return result.data as D;
}
