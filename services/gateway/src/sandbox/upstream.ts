import { INTERNAL_HEADERS } from '@npq/service-kit';

export type Upstream = 'applications' | 'training' | 'finance' | 'webhooks';

export interface CallOptions {
  /** A lead provider id (the call is that provider's), or undefined for an admin call. */
  as?: string;
  /** The request's clock (the services' `x-npq-now`, as the gateway forwards `X-With-Server-Date`). */
  at?: string;
  /** The sandbox seed key: the resource the call creates gets the id derived from it. */
  seed?: string;
  body?: unknown;
}

export class UpstreamError extends Error {
  constructor(
    readonly status: number,
    readonly method: string,
    readonly path: string,
    readonly text: string,
  ) {
    super(`${method} ${path} answered ${status}: ${text.slice(0, 500)}`);
  }
}

/**
 * The seeder's way into the services: straight to the owning service with the internal credential, as the
 * gateway proxies a request, plus the sandbox seed key that only the sandbox honours.
 */
export class UpstreamClient {
  constructor(
    private readonly urls: Record<Exclude<Upstream, 'webhooks'>, string> & { webhooks?: string },
    private readonly internalSecret: string,
  ) {}

  async call<T = { data: { id: string; attributes: Record<string, unknown> } }>(
    upstream: Upstream,
    method: 'GET' | 'POST' | 'PUT',
    path: string,
    options: CallOptions = {},
  ): Promise<T> {
    const headers: Record<string, string> = {
      [INTERNAL_HEADERS.secret]: this.internalSecret,
      [INTERNAL_HEADERS.scope]: options.as ? 'lead_provider' : 'admin',
    };
    if (options.as) headers[INTERNAL_HEADERS.leadProviderId] = options.as;
    if (options.at) headers[INTERNAL_HEADERS.now] = options.at;
    if (options.seed) headers[INTERNAL_HEADERS.sandboxSeed] = options.seed;
    if (options.body !== undefined) headers['content-type'] = 'application/json';
    const base = this.urls[upstream];
    if (base === undefined) throw new Error(`no URL for the ${upstream} service`);
    const res = await fetch(`${base}${path}`, {
      method,
      headers,
      body: options.body === undefined ? undefined : JSON.stringify(options.body),
    });
    const text = await res.text();
    if (!res.ok) throw new UpstreamError(res.status, method, path, text);
    return (text === '' ? undefined : JSON.parse(text)) as T;
  }
}
