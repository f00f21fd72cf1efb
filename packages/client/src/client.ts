import createClient, { type Client, type Middleware } from 'openapi-fetch';
import type { ApiPaths } from '@npq/contracts';
import { type ApiErrorBody, LeadProviderApiError } from './errors';
import type { FeedQuery, ListItem, ListOptions, PaginatedPath, UpdatedSincePath } from './lists';
import { createRetryingFetch, type RetryOptions } from './retry';
import { type FeedRecord, UpdatedSinceFeed, type UpdatedSinceOptions } from './updated-since';

export interface LeadProviderClientOptions {
  /** Where the gateway is, e.g. `http://localhost:3000` (paths carry `/api/v3`). */
  baseUrl: string;
  /** The lead provider's API token, or a function returning the current one (rotation). Sent as `Bearer`. */
  token: string | (() => string | Promise<string>);
  /**
   * Sandbox only: send `X-With-Server-Date` on every request, so the API acts as if "now" were this instant
   * (ignored by production). A request's own header wins.
   */
  serverDate?: string | Date;
  /** Retry settings, or `false` to send every request once. */
  retry?: Partial<RetryOptions> | false;
  /** The fetch to send with (default: the global fetch). */
  fetch?: (request: Request, init?: RequestInit) => Promise<Response>;
  /** Headers for every request (e.g. a `User-Agent`). */
  headers?: Record<string, string>;
}

export type LeadProviderApi = Client<ApiPaths>;

export interface LeadProviderClient extends LeadProviderApi {
  /** Every page of a list, in order, until the API answers an empty page. Throws `LeadProviderApiError`. */
  pages<P extends PaginatedPath>(path: P, options?: ListOptions<P>): AsyncGenerator<ListItem<P>[]>;
  /** Every resource of a list, page after page, until the empty page. Throws `LeadProviderApiError`. */
  paginate<P extends PaginatedPath>(path: P, options?: ListOptions<P>): AsyncGenerator<ListItem<P>>;
  /** A gap-free `filter[updated_since]` feed over a list (see updated-since.ts for why it is gap-free). */
  updatedSince<P extends UpdatedSincePath>(
    path: P,
    options?: UpdatedSinceOptions & {
      query?: FeedQuery<P>;
      perPage?: number;
      headers?: Record<string, string>;
    },
  ): UpdatedSinceFeed<ListItem<P> & FeedRecord>;
  /** A new client with the same options and another sandbox date (`undefined`: none); middleware added with `use` is not copied. */
  withServerDate(serverDate: string | Date | undefined): LeadProviderClient;
}

const toHeaderDate = (d: string | Date) => (typeof d === 'string' ? d : d.toISOString());

/** A typed client for the NPQ Lead Provider API v3. */
export function createLeadProviderClient(options: LeadProviderClientOptions): LeadProviderClient {
  const baseFetch = options.fetch;
  const fetch =
    options.retry === false
      ? (baseFetch ?? ((request: Request, init?: RequestInit) => globalThis.fetch(request, init)))
      : createRetryingFetch(options.retry ?? {}, baseFetch);
  const api = createClient<ApiPaths>({ baseUrl: options.baseUrl, fetch, headers: options.headers });

  const auth: Middleware = {
    async onRequest({ request }) {
      const token = typeof options.token === 'function' ? await options.token() : options.token;
      request.headers.set('Authorization', `Bearer ${token}`);
      if (options.serverDate !== undefined && !request.headers.has('X-With-Server-Date')) {
        request.headers.set('X-With-Server-Date', toHeaderDate(options.serverDate));
      }
      return request;
    },
  };
  api.use(auth);

  // openapi-fetch's GET is typed per path; the helpers below are generic over every list path, which its
  // overloads cannot express, so they call it through this untyped view (their own signatures are typed).
  const untypedGet = api.GET as unknown as (
    path: string,
    init: Record<string, unknown>,
  ) => Promise<{ data?: { data: unknown[] }; error?: ApiErrorBody; response: Response }>;

  async function* pages<P extends PaginatedPath>(
    path: P,
    o: ListOptions<P> = {},
  ): AsyncGenerator<ListItem<P>[]> {
    const perPage = o.perPage ?? 100;
    const query = (o.query ?? {}) as Record<string, unknown>;
    // Until the empty page, not the first short one: the lists carry no metadata, and a `per_page` above the
    // maximum is clamped (so a full page can be shorter than asked for).
    for (let page = o.startPage ?? 1; ; page++) {
      const result = await untypedGet(path, {
        params: {
          query: { ...query, page: { page: String(page), per_page: String(perPage) } },
          path: o.path,
        },
        headers: o.headers,
        signal: o.signal,
      });
      if (!result.response.ok || !result.data) {
        throw new LeadProviderApiError(result.response.status, result.error, result.response.url);
      }
      if (result.data.data.length === 0) return;
      yield result.data.data as ListItem<P>[];
    }
  }

  async function* paginate<P extends PaginatedPath>(
    path: P,
    o: ListOptions<P> = {},
  ): AsyncGenerator<ListItem<P>> {
    for await (const page of pages(path, o)) yield* page;
  }

  function updatedSince<P extends UpdatedSincePath>(
    path: P,
    o: UpdatedSinceOptions & {
      query?: FeedQuery<P>;
      perPage?: number;
      headers?: Record<string, string>;
    } = {},
  ): UpdatedSinceFeed<ListItem<P> & FeedRecord> {
    const filter = (o.query?.filter ?? {}) as Record<string, unknown>;
    return new UpdatedSinceFeed<ListItem<P> & FeedRecord>(
      (since) =>
        pages(path, {
          query: { filter: since === undefined ? filter : { ...filter, updated_since: since } } as never,
          perPage: o.perPage ?? 100,
          ...(o.headers ? { headers: o.headers } : {}),
        }) as AsyncIterable<(ListItem<P> & FeedRecord)[]>,
      o,
    );
  }

  return {
    ...api,
    pages,
    paginate,
    updatedSince,
    withServerDate: (serverDate) => {
      const { serverDate: _previous, ...rest } = options;
      return createLeadProviderClient(serverDate === undefined ? rest : { ...rest, serverDate });
    },
  };
}
