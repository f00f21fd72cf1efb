import type { ApiPaths } from '@npq/contracts';

/** The GET operation of a path. */
type GetOf<P extends keyof ApiPaths> = ApiPaths[P] extends { get: infer O } ? O : never;

type ListBody<O> = O extends { responses: { 200: { content: { 'application/json': infer B } } } } ? B : never;

/** Every path whose GET is a paginated list (`page[page]`, `page[per_page]`, a `data` array). */
export type PaginatedPath = {
  [P in keyof ApiPaths]: [GetOf<P>] extends [never]
    ? never
    : GetOf<P> extends { parameters: { query?: { page?: unknown } } }
      ? ListBody<GetOf<P>> extends { data: readonly unknown[] }
        ? P
        : never
      : never;
}[keyof ApiPaths];

/** One resource of the list at `P`. */
export type ListItem<P extends PaginatedPath> =
  ListBody<GetOf<P>> extends { data: readonly (infer T)[] } ? T : never;

/** The list's query parameters except `page`, which the iterator drives. */
export type ListQuery<P extends PaginatedPath> =
  GetOf<P> extends { parameters: { query?: infer Q } } ? Omit<NonNullable<Q>, 'page'> : never;

/** The list's path parameters (e.g. `{id}`), if it has any. */
export type ListPathParams<P extends PaginatedPath> =
  GetOf<P> extends { parameters: { path?: infer A } } ? A : never;

type FilterOf<P extends PaginatedPath> = ListQuery<P> extends { filter?: infer F } ? NonNullable<F> : never;

/** Paginated lists that take `filter[updated_since]`. */
export type UpdatedSincePath = {
  [P in PaginatedPath]: 'updated_since' extends keyof FilterOf<P> ? P : never;
}[PaginatedPath];

/** Query of an `updated_since` feed: the list's filters without `updated_since` (the feed's cursor) and without `sort`. */
export type FeedQuery<P extends UpdatedSincePath> = {
  filter?: Omit<FilterOf<P>, 'updated_since'>;
};

export interface ListOptions<P extends PaginatedPath> {
  /** Filters and sort; not `page`. */
  query?: ListQuery<P>;
  /** Path parameters, for lists under a resource (`/participants/npq/{id}/outcomes`). */
  path?: ListPathParams<P>;
  /** Items per page (default 100; the API clamps values over 3000 to 3000). */
  perPage?: number;
  /** First page to read (default 1). */
  startPage?: number;
  /** Extra headers for every page request (e.g. `X-With-Server-Date`). */
  headers?: Record<string, string>;
  signal?: AbortSignal;
}
