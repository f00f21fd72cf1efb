/** Page numbers in the console's own query strings (`?page=2`): anything odd is page 1. */
export function pageNumber(value: unknown): number {
  const n = typeof value === 'string' ? Number.parseInt(value, 10) : NaN;
  return Number.isFinite(n) && n >= 1 && n <= 100_000 ? n : 1;
}

/** GOV.UK pagination's previous/next links for a list read one page at a time. */
export function pagination(
  basePath: string,
  query: Record<string, string | undefined>,
  page: number,
  hasNext: boolean,
  param = 'page',
): { previous?: { href: string }; next?: { href: string } } | undefined {
  const href = (p: number) => {
    const params = new URLSearchParams();
    for (const [k, v] of Object.entries(query)) if (v) params.set(k, v);
    params.set(param, String(p));
    return `${basePath}?${params.toString()}`;
  };
  if (page <= 1 && !hasNext) return undefined;
  return {
    ...(page > 1 ? { previous: { href: href(page - 1) } } : {}),
    ...(hasNext ? { next: { href: href(page + 1) } } : {}),
  };
}

/** A UUID (ids in paths and forms); anything else identifies nothing. */
export const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** A string query parameter, or undefined. */
export function param(query: unknown, name: string): string | undefined {
  const value = (query as Record<string, unknown> | undefined)?.[name];
  return typeof value === 'string' && value.trim() !== '' ? value.trim() : undefined;
}
