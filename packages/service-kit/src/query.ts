import { badRequest } from './errors';
import { parseIso8601 } from './time';

export type Query = Record<string, unknown>;

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function isUuid(value: unknown): value is string {
  return typeof value === 'string' && UUID.test(value);
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * `filter` must be a nested hash (`filter[x]=…`); DfE checks this on every v3 endpoint, before auth. A bare
 * `?filter` (no `=`) is null, which Rails treats as absent; `?filter=` is an empty string, a 400.
 */
export function assertFilterShape(query: Query): void {
  if (query.filter !== undefined && query.filter !== null && !isPlainObject(query.filter)) {
    throw badRequest("'#/filter' is not a valid field");
  }
}

function filters(query: Query): Record<string, unknown> {
  return isPlainObject(query.filter) ? query.filter : {};
}

/** A scalar filter value; blank, array and hash values are dropped, as DfE's permitted scalars are. */
export function scalarFilter(query: Query, key: string): string | undefined {
  const value = filters(query)[key];
  if (typeof value !== 'string') return undefined;
  return value.trim() === '' ? undefined : value;
}

/** `updated_since` / `created_since`: ISO 8601, inclusive lower bound. */
export function parseDateFilter(query: Query, key: string): Date | undefined {
  const raw = filters(query)[key];
  if (raw === undefined || raw === null) return undefined;
  if (typeof raw === 'string' && raw.trim() === '') return undefined;
  const invalid = badRequest(`The filter '#/${key}' must be a valid ISO 8601 date`);
  if (typeof raw !== 'string') throw invalid;
  // DfE URL-decodes the value a second time, so `%252B01:00` (a double-encoded `+`) works there too.
  let decoded: string;
  try {
    decoded = decodeURIComponent(raw.replace(/\+/g, ' '));
  } catch {
    throw invalid;
  }
  const parsed = parseIso8601(decoded);
  if (!parsed) throw invalid;
  return parsed;
}

/**
 * `participant_id`: a comma-delimited list of UUIDs (trailing commas are tolerated, nothing else). As in
 * DfE (Ruby's `blank?` and `split`), a blank value is no filter, and a value of commas only is an empty
 * list, which matches nothing.
 */
export function parseUuidListFilter(query: Query, key: string): string[] | undefined {
  const raw = filters(query)[key];
  if (raw === undefined || raw === null || (typeof raw === 'string' && raw.trim() === '')) return undefined;
  const invalid = badRequest(`The filter '#/${key}' must be a comma-delimited list of valid UUIDs`);
  if (typeof raw !== 'string') throw invalid;
  const parts = raw.split(',');
  while (parts.length > 0 && parts[parts.length - 1] === '') parts.pop();
  if (!parts.every((p) => UUID.test(p))) throw invalid;
  return [...new Set(parts.map((p) => p.toLowerCase()))];
}

/** Ruby's String#to_i: optional leading whitespace and sign, then digits; anything else stops; no digits → 0. */
export function rubyToInt(value: string): number {
  const m = /^\s*([+-]?\d+)/.exec(value);
  return m ? Number.parseInt(m[1]!, 10) : 0;
}

const INT4_MIN = -2147483648;
const INT4_MAX = 2147483647;

/**
 * `cohort`: comma-separated start years; a non-numeric year matches nothing, and so does one outside the
 * integer column's range (Rails gives such a value no match; it must not reach the database as an error).
 */
export function parseCohortFilter(query: Query, key = 'cohort'): number[] | undefined {
  const raw = scalarFilter(query, key);
  if (raw === undefined) return undefined;
  return [
    ...new Set(
      raw
        .split(',')
        .map(rubyToInt)
        .map((year) => (year >= INT4_MIN && year <= INT4_MAX ? year : 0)),
    ),
  ];
}

export interface Pagination {
  page: number;
  perPage: number;
  limit: number;
  offset: number;
}

export const DEFAULT_PER_PAGE = 100;
export const MAX_PER_PAGE = 3000;
const INVALID_PAGE =
  "The '#/page[page]' and '#/page[per_page]' parameter values must be a valid positive number";

/**
 * `page[page]` (default 1) and `page[per_page]` (default 100, clamped to 3000). Values < 1 (including 0
 * and non-numeric values) are a 400; a non-hash `page`, and an array or hash value inside it, are ignored,
 * as DfE's `params.permit(page: %i[per_page page])` drops them. A page so far out that its offset leaves
 * the safe integer range is still just a page past the end.
 */
export function parsePagination(query: Query): Pagination {
  const raw = isPlainObject(query.page) ? query.page : {};
  const read = (key: string, fallback: number): number => {
    const value = raw[key];
    if (typeof value !== 'string') return fallback;
    const n = rubyToInt(value);
    if (n < 1) throw badRequest(INVALID_PAGE);
    return n;
  };
  const page = read('page', 1);
  const perPage = Math.min(read('per_page', DEFAULT_PER_PAGE), MAX_PER_PAGE);
  const offset = Math.min((page - 1) * perPage, Number.MAX_SAFE_INTEGER);
  return { page, perPage, limit: perPage, offset };
}

export interface SortKey {
  column: string;
  direction: 'asc' | 'desc';
}

/**
 * `sort=-updated_at,created_at`: known fields with an optional `+`/`-` prefix; unknown fields are
 * silently dropped (DfE). When nothing usable remains, the endpoint's default applies. Callers append
 * their id tie-break.
 */
export function parseSort(query: Query, columns: Record<string, string>, fallback: SortKey[]): SortKey[] {
  const raw = query.sort;
  if (typeof raw !== 'string') return fallback;
  const keys: SortKey[] = [];
  for (const part of raw.split(',')) {
    const field = part.trim();
    const direction = field.startsWith('-') ? 'desc' : 'asc';
    const name = field.replace(/^[+-]/, '');
    const column = Object.prototype.hasOwnProperty.call(columns, name) ? columns[name] : undefined;
    if (column && !keys.some((k) => k.column === column)) keys.push({ column, direction });
  }
  return keys.length > 0 ? keys : fallback;
}
