import { openApiValidator } from './openapi-validator';

export interface InjectRequest {
  method: string;
  url: string;
  headers?: Record<string, string>;
  payload?: string;
}

export interface InjectResponse {
  statusCode: number;
  headers: Record<string, string | string[] | number | undefined>;
  body: string;
}

export type Inject = (req: InjectRequest) => Promise<InjectResponse>;

export interface ApiResponse<T = any> {
  status: number;
  headers: Record<string, string | string[] | number | undefined>;
  /** Parsed JSON when the body is JSON, else the raw text. */
  body: T;
  text: string;
}

export interface RequestOptions {
  /** A JSON value (serialised) or a raw string (sent as is). */
  body?: unknown;
  raw?: string;
  headers?: Record<string, string>;
  /** Skip the OpenAPI check (unknown routes, deliberately malformed requests). */
  validate?: boolean;
}

/**
 * A provider's (or DfE operator's) client through the gateway. Every response is checked against the
 * OpenAPI document unless the test opts out, so each HTTP test also proves the contract.
 */
export class ApiClient {
  constructor(
    private readonly inject: Inject,
    private readonly token?: string,
    private readonly defaultHeaders: Record<string, string> = {},
  ) {}

  withToken(token: string | undefined): ApiClient {
    return new ApiClient(this.inject, token, this.defaultHeaders);
  }

  withHeaders(headers: Record<string, string>): ApiClient {
    return new ApiClient(this.inject, this.token, { ...this.defaultHeaders, ...headers });
  }

  async request<T = any>(method: string, url: string, options: RequestOptions = {}): Promise<ApiResponse<T>> {
    const headers: Record<string, string> = { ...this.defaultHeaders, ...options.headers };
    if (this.token !== undefined && headers.authorization === undefined)
      headers.authorization = `Bearer ${this.token}`;
    let payload: string | undefined;
    if (options.raw !== undefined) payload = options.raw;
    else if (options.body !== undefined) payload = JSON.stringify(options.body);
    if (payload !== undefined && headers['content-type'] === undefined)
      headers['content-type'] = 'application/json';
    const res = await this.inject({ method, url, headers, payload });
    const contentType = res.headers['content-type'];
    let body: unknown = res.body;
    if (typeof contentType === 'string' && contentType.startsWith('application/json') && res.body !== '') {
      body = JSON.parse(res.body);
    }
    if (options.validate !== false) {
      const violation = openApiValidator().check(
        method,
        url,
        res.statusCode,
        contentType as string | undefined,
        body,
      );
      if (violation) {
        throw new Error(
          `Response does not match the OpenAPI document: ${violation.operation} → ${violation.status}\n${violation.errors}\nbody: ${res.body.slice(0, 2000)}`,
        );
      }
    }
    return { status: res.statusCode, headers: res.headers, body: body as T, text: res.body };
  }

  get<T = any>(url: string, options?: RequestOptions) {
    return this.request<T>('GET', url, options);
  }
  post<T = any>(url: string, body?: unknown, options?: RequestOptions) {
    return this.request<T>('POST', url, { ...options, body });
  }
  put<T = any>(url: string, body?: unknown, options?: RequestOptions) {
    return this.request<T>('PUT', url, { ...options, body });
  }
  patch<T = any>(url: string, body?: unknown, options?: RequestOptions) {
    return this.request<T>('PATCH', url, { ...options, body });
  }
  delete<T = any>(url: string, options?: RequestOptions) {
    return this.request<T>('DELETE', url, options);
  }
}
