/** RFC 3339 with second precision and a `Z` suffix, as DfE emits every datetime ("2023-07-01T12:00:00Z"). */
export function toRfc3339(date: Date): string;
export function toRfc3339(date: Date | null | undefined): string | null;
export function toRfc3339(date: Date | null | undefined): string | null {
  if (!date) return null;
  return date.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/** `YYYY-MM-DD` of the UTC calendar day. */
export function toDateOnly(date: Date): string {
  return date.toISOString().slice(0, 10);
}

/** Outcome `completion_date` is a SQL date rendered with Ruby's Date#rfc3339. */
export function toDateRfc3339(dateOnly: string): string {
  return `${dateOnly}T00:00:00+00:00`;
}

/** Midnight UTC of a `YYYY-MM-DD` date. */
export function startOfDayUtc(dateOnly: string): Date {
  return new Date(`${dateOnly}T00:00:00Z`);
}

/** Truncates to whole seconds, as stored timestamps are compared at the precision they are shown. */
export function truncateToSeconds(date: Date): Date {
  return new Date(Math.floor(date.getTime() / 1000) * 1000);
}

const DATE_ONLY = /^(\d{4})-(\d{2})-(\d{2})$/;

/** True for a real calendar date in `YYYY-MM-DD` form (rejects 2021-02-30). */
export function isValidDateOnly(value: string): boolean {
  const m = DATE_ONLY.exec(value);
  if (!m) return false;
  const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
  const date = new Date(Date.UTC(y, mo - 1, d));
  return date.getUTCFullYear() === y && date.getUTCMonth() === mo - 1 && date.getUTCDate() === d;
}

function validTime(h: number, mi: number, s: number): boolean {
  return h <= 23 && mi <= 59 && s <= 60;
}

function buildDate(
  y: string,
  mo: string,
  d: string,
  h: string,
  mi: string,
  s: string,
  frac: string | undefined,
  zone: string | undefined,
): Date | null {
  if (!isValidDateOnly(`${y}-${mo}-${d}`)) return null;
  if (!validTime(Number(h), Number(mi), Number(s))) return null;
  let offsetMinutes = 0;
  if (zone && zone.toUpperCase() !== 'Z') {
    const zm = /^([+-])(\d{2}):?(\d{2})?$/.exec(zone);
    if (!zm) return null;
    const hours = Number(zm[2]);
    const minutes = Number(zm[3] ?? '0');
    if (hours > 23 || minutes > 59) return null;
    offsetMinutes = (zm[1] === '-' ? -1 : 1) * (hours * 60 + minutes);
  }
  const ms = frac ? Math.floor(Number(`0.${frac}`) * 1000) : 0;
  const utc = Date.UTC(Number(y), Number(mo) - 1, Number(d), Number(h), Number(mi), Number(s), ms);
  return new Date(utc - offsetMinutes * 60_000);
}

const ISO8601 =
  /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2}):(\d{2})(?:[.,](\d+))?\s*(Z|[+-]\d{2}:?\d{2}|[+-]\d{2})?)?$/i;

/**
 * Parses a `filter[updated_since]`-style value the way Ruby's Time.iso8601 accepts it (date-only or
 * date-time, optional fraction, `Z` or offset; surrounding whitespace allowed). Date-only and
 * offset-less values are UTC. Lenient where DfE's double URL-decoding turns `+01:00` into ` 01:00`: a
 * space before a two-digit offset is read as `+`.
 */
export function parseIso8601(raw: string): Date | null {
  let value = raw.trim();
  value = value.replace(/(T\d{2}:\d{2}:\d{2}(?:[.,]\d+)?) (\d{2}:?\d{2})$/i, '$1+$2');
  const m = ISO8601.exec(value);
  if (!m) return null;
  const [, y, mo, d, h, mi, s, frac, zone] = m;
  if (h === undefined) return buildDate(y!, mo!, d!, '00', '00', '00', undefined, undefined);
  return buildDate(y!, mo!, d!, h, mi!, s!, frac, zone);
}

const RFC3339_DECLARATION =
  /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:[.,](\d+))?(Z|[+-]\d{2}(?::?\d{2})?)?$/i;

/**
 * `declaration_date` as DfE validates it: `YYYY-MM-DDTHH:MM:SS[.frac][Z|±hh[:mm]]`, case-insensitive,
 * zone optional (UTC assumed). Impossible dates or times are invalid.
 */
export function parseRfc3339Strict(raw: string): Date | null {
  const m = RFC3339_DECLARATION.exec(raw);
  if (!m) return null;
  const [, y, mo, d, h, mi, s, frac, zone] = m;
  return buildDate(y!, mo!, d!, h!, mi!, s!, frac, zone);
}

const MONTHS: Record<string, number> = {
  jan: 0,
  feb: 1,
  mar: 2,
  apr: 3,
  may: 4,
  jun: 5,
  jul: 6,
  aug: 7,
  sep: 8,
  oct: 9,
  nov: 10,
  dec: 11,
};

/**
 * `X-With-Server-Date`: DfE parses it with Rails' lenient Time.zone.parse (UTC). We accept ISO 8601 /
 * RFC 3339 (with or without zone, date-only) and RFC 2822 / HTTP dates; anything else is null, which the
 * gateway turns into a 400 instead of DfE's 500.
 */
export function parseServerDate(raw: string): Date | null {
  const value = raw.trim();
  if (value === '') return null;
  const iso = parseIso8601(value);
  if (iso) return iso;
  const rfc2822 =
    /^(?:[A-Za-z]{3},\s*)?(\d{1,2})\s+([A-Za-z]{3})\s+(\d{4})\s+(\d{2}):(\d{2})(?::(\d{2}))?\s*(GMT|UTC|Z|[+-]\d{4})?$/.exec(
      value,
    );
  if (!rfc2822) return null;
  const [, d, monName, y, h, mi, s, zone] = rfc2822;
  const mon = MONTHS[monName!.toLowerCase()];
  if (mon === undefined) return null;
  const mo = String(mon + 1).padStart(2, '0');
  const z = !zone || /^(GMT|UTC|Z)$/i.test(zone) ? 'Z' : `${zone.slice(0, 3)}:${zone.slice(3)}`;
  return buildDate(y!, mo, d!.padStart(2, '0'), h!, mi!, s ?? '00', undefined, z);
}
