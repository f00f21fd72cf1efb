/**
 * The console's only API: the gateway's admin API (`/admin/v1`), called with the signed-in operator's admin
 * token (docs/console.md, "Sign-in and sessions"). Answers are JSON:API-ish (`{ data }`); errors come in
 * DfE's two envelopes, turned here into a `GatewayError` whose messages the pages show as they are.
 */

/** One problem the admin API reported (`title` is usually the attribute, `detail` the message). */
export interface GatewayProblem {
  title: string;
  detail: string;
}

/** The admin API refused the request (4xx) or could not serve it (5xx, network, timeout). */
export class GatewayError extends Error {
  constructor(
    readonly status: number,
    readonly problems: GatewayProblem[],
  ) {
    super(problems.map((p) => p.detail).join('; ') || `admin API answered ${status}`);
    this.name = 'GatewayError';
  }

  /** 401: the token is not (or no longer) valid; the session ends. */
  get unauthorised(): boolean {
    return this.status === 401;
  }

  get notFound(): boolean {
    return this.status === 404;
  }

  /** The admin API is down or failing: nothing the operator did. */
  get unavailable(): boolean {
    return this.status >= 500 || this.status === 0;
  }
}

export interface Resource<A> {
  id: string;
  type: string;
  attributes: A;
}

export interface GatewayClientOptions {
  /** Base URL of the gateway, e.g. http://127.0.0.1:3000. */
  baseUrl: string;
  /** One request's timeout. */
  timeoutMs?: number;
  /** Sent as x-request-id, so the gateway's and services' log lines carry the console request's id. */
  requestId?: string;
}

type Query = Record<string, string | number | undefined>;

/** Error bodies come in two shapes: `{ errors: [{ title, detail }] }` and `{ error: "…" }`. */
function problemsOf(body: unknown, status: number): GatewayProblem[] {
  if (body && typeof body === 'object') {
    const b = body as { errors?: unknown; error?: unknown };
    if (Array.isArray(b.errors)) {
      return b.errors.map((e: unknown) => {
        const x = (e ?? {}) as { title?: unknown; detail?: unknown };
        return {
          title: typeof x.title === 'string' ? x.title : 'error',
          detail: typeof x.detail === 'string' ? x.detail : typeof x.title === 'string' ? x.title : 'error',
        };
      });
    }
    if (typeof b.error === 'string') return [{ title: 'error', detail: b.error }];
  }
  return [{ title: 'error', detail: `The admin API answered ${status}` }];
}

export function queryString(query: Query): string {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query)) {
    if (value !== undefined && value !== '') params.set(key, String(value));
  }
  const text = params.toString();
  return text ? `?${text}` : '';
}

/** Typed calls on the admin API, as one operator (their token). */
export class GatewayClient {
  private readonly baseUrl: string;
  private readonly timeoutMs: number;

  constructor(
    private readonly token: string,
    private readonly options: GatewayClientOptions,
  ) {
    this.baseUrl = options.baseUrl.replace(/\/+$/, '');
    this.timeoutMs = options.timeoutMs ?? 10_000;
  }

  /** A client for the same operator whose calls carry another request id. */
  withRequestId(requestId: string): GatewayClient {
    return new GatewayClient(this.token, { ...this.options, requestId });
  }

  async request(
    method: 'GET' | 'POST' | 'PATCH' | 'DELETE',
    path: string,
    options: { query?: Query; body?: unknown; accept?: string; idempotencyKey?: string } = {},
  ): Promise<{ status: number; headers: Headers; text: string }> {
    const headers: Record<string, string> = {
      authorization: `Bearer ${this.token}`,
      accept: options.accept ?? 'application/json',
    };
    if (this.options.requestId) headers['x-request-id'] = this.options.requestId;
    if (options.body !== undefined) headers['content-type'] = 'application/json';
    if (options.idempotencyKey) headers['idempotency-key'] = options.idempotencyKey;
    let res: Response;
    try {
      res = await fetch(`${this.baseUrl}${path}${queryString(options.query ?? {})}`, {
        method,
        headers,
        ...(options.body !== undefined ? { body: JSON.stringify(options.body) } : {}),
        signal: AbortSignal.timeout(this.timeoutMs),
      });
    } catch (err) {
      const reason =
        err instanceof Error && err.name === 'TimeoutError' ? 'did not answer in time' : 'is unreachable';
      throw new GatewayError(0, [{ title: 'gateway', detail: `The admin API ${reason}` }]);
    }
    const text = await res.text();
    if (res.status >= 400) {
      let body: unknown;
      try {
        body = JSON.parse(text);
      } catch {
        body = undefined;
      }
      throw new GatewayError(res.status, problemsOf(body, res.status));
    }
    return { status: res.status, headers: res.headers, text };
  }

  async json<T>(
    method: 'GET' | 'POST' | 'PATCH' | 'DELETE',
    path: string,
    options: { query?: Query; body?: unknown; idempotencyKey?: string } = {},
  ): Promise<T> {
    const { text } = await this.request(method, path, options);
    return (text === '' ? undefined : JSON.parse(text)) as T;
  }

  get<T>(path: string, query: Query = {}): Promise<T> {
    return this.json<T>('GET', path, { query });
  }

  /** Every page of a paginated admin list (`page[page]`, `page[per_page]`), up to `limit` rows. */
  async all<A>(path: string, query: Query = {}, limit = 3000): Promise<Resource<A>[]> {
    const rows: Resource<A>[] = [];
    const perPage = Math.min(limit, 1000);
    for (let page = 1; rows.length < limit; page++) {
      const { data } = await this.get<{ data: Resource<A>[] }>(path, {
        ...query,
        'page[page]': page,
        'page[per_page]': perPage,
      });
      rows.push(...data);
      if (data.length < perPage) break;
    }
    return rows.slice(0, limit);
  }
}
