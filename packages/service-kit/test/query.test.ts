import qs from 'qs';
import { ApiError } from '../src/errors';
import {
  assertFilterShape,
  DEFAULT_PER_PAGE,
  isUuid,
  MAX_PER_PAGE,
  parseCohortFilter,
  parseDateFilter,
  parsePagination,
  parseSort,
  parseUuidListFilter,
  rubyToInt,
  scalarFilter,
  type Query,
  type SortKey,
} from '../src/query';

/** Parses a raw query string the way the HTTP layer (createHttpApp) does. */
function q(search: string): Query {
  return qs.parse(search, { depth: 3, arrayLimit: 50, parameterLimit: 200 });
}

/** Runs fn, expecting an ApiError; returns it. */
function apiErrorOf(fn: () => unknown): ApiError {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(ApiError);
    return err as ApiError;
  }
  throw new Error('expected an ApiError');
}

function expectBadRequest(fn: () => unknown, detail: string): void {
  const err = apiErrorOf(fn);
  expect(err.statusCode).toBe(400);
  expect(JSON.stringify(err.body)).toBe(JSON.stringify({ errors: [{ title: 'Bad request', detail }] }));
}

const A = '1b9f0e44-5c1a-4d6a-8e0f-3b2c1d4e5f60';
const B = 'a7c3d2e1-0f9e-4b8a-9c7d-6e5f4a3b2c1d';
const FILTER_INVALID = "'#/filter' is not a valid field";
const UUID_LIST_INVALID = "The filter '#/participant_id' must be a comma-delimited list of valid UUIDs";
const PAGE_INVALID =
  "The '#/page[page]' and '#/page[per_page]' parameter values must be a valid positive number";

describe('isUuid', () => {
  it('accepts hex UUIDs in either case and nothing else', () => {
    expect(isUuid(A)).toBe(true);
    expect(isUuid(A.toUpperCase())).toBe(true);
    expect(isUuid(`{${A}}`)).toBe(false);
    expect(isUuid(A.replace(/-/g, ''))).toBe(false);
    expect(isUuid(`${A} `)).toBe(false);
    expect(isUuid('123XXX')).toBe(false);
    expect(isUuid(undefined)).toBe(false);
    expect(isUuid(42)).toBe(false);
  });
});

describe('assertFilterShape', () => {
  it.each(['filter=abc', 'filter=', 'filter[]=x', 'filter[]=x&filter[]=y', 'a=1&filter=2023'])(
    '%p is the exact 400',
    (search) => {
      expectBadRequest(() => assertFilterShape(q(search)), FILTER_INVALID);
    },
  );

  it.each([
    '',
    'page[page]=2',
    'filter[cohort]=2023',
    'filter[cohort]=',
    'filter[participant_id][x]=1',
    'filter[a]=1&filter[b]=2',
  ])('%p passes', (search) => {
    expect(() => assertFilterShape(q(search))).not.toThrow();
  });

  it('passes a hand-built hash and null (a bare `?filter`, absent in Rails) and refuses a number', () => {
    expect(() => assertFilterShape({ filter: {} })).not.toThrow();
    expect(() => assertFilterShape({ filter: null })).not.toThrow();
    expectBadRequest(() => assertFilterShape({ filter: 1 }), FILTER_INVALID);
  });
});

describe('scalarFilter', () => {
  it('returns a non-blank string as sent', () => {
    expect(scalarFilter(q('filter[cohort]=2023'), 'cohort')).toBe('2023');
    expect(scalarFilter(q('filter[name]=%20x%20'), 'name')).toBe(' x ');
  });

  it.each([
    'filter[cohort]=',
    'filter[cohort]=%20%20',
    'filter[cohort][]=2023',
    'filter[cohort][a]=2023',
    'filter=abc',
    '',
  ])('drops %p', (search) => {
    expect(scalarFilter(q(search), 'cohort')).toBeUndefined();
  });
});

describe('parseDateFilter', () => {
  it.each(['updated_since', 'created_since'])('parses a valid %s', (key) => {
    expect(parseDateFilter(q(`filter[${key}]=2023-07-01T12:00:00Z`), key)!.toISOString()).toBe(
      '2023-07-01T12:00:00.000Z',
    );
    expect(parseDateFilter(q(`filter[${key}]=2023-07-01`), key)!.toISOString()).toBe(
      '2023-07-01T00:00:00.000Z',
    );
  });

  it('is undefined when absent, blank, or filter is not a hash', () => {
    expect(parseDateFilter(q(''), 'updated_since')).toBeUndefined();
    expect(parseDateFilter(q('filter[cohort]=2023'), 'updated_since')).toBeUndefined();
    expect(parseDateFilter(q('filter[updated_since]='), 'updated_since')).toBeUndefined();
    expect(parseDateFilter(q('filter[updated_since]=%20%20'), 'updated_since')).toBeUndefined();
    expect(parseDateFilter(q('filter=abc'), 'updated_since')).toBeUndefined();
  });

  it.each(['abc', '2023-13-01', '2023-02-30', '2023-07-01T25:00:00Z', '01/07/2023', '1688212800'])(
    'updated_since=%p is the exact 400',
    (value) => {
      expectBadRequest(
        () => parseDateFilter(q(`filter[updated_since]=${encodeURIComponent(value)}`), 'updated_since'),
        "The filter '#/updated_since' must be a valid ISO 8601 date",
      );
    },
  );

  it('created_since names itself in the message', () => {
    expectBadRequest(
      () => parseDateFilter(q('filter[created_since]=yesterday'), 'created_since'),
      "The filter '#/created_since' must be a valid ISO 8601 date",
    );
  });

  it.each([
    'filter[updated_since][]=2023-01-01',
    'filter[updated_since][a]=2023-01-01',
    'filter[updated_since][a]=',
  ])('an array or hash value (%p) is the 400', (search) => {
    expectBadRequest(
      () => parseDateFilter(q(search), 'updated_since'),
      "The filter '#/updated_since' must be a valid ISO 8601 date",
    );
  });

  it('accepts offsets, including an unencoded + that arrives as a space', () => {
    expect(
      parseDateFilter(q('filter[updated_since]=2023-07-01T12:00:00-01:00'), 'updated_since')!.toISOString(),
    ).toBe('2023-07-01T13:00:00.000Z');
    expect(
      parseDateFilter(q('filter[updated_since]=2023-07-01T12:00:00%2B01:00'), 'updated_since')!.toISOString(),
    ).toBe('2023-07-01T11:00:00.000Z');
    expect(
      parseDateFilter(q('filter[updated_since]=2023-07-01T12:00:00+01:00'), 'updated_since')!.toISOString(),
    ).toBe('2023-07-01T11:00:00.000Z');
  });

  // docs/compatibility.md, `filter[updated_since]` row: DfE URL-decodes the value a second time
  // (`Time.iso8601(URI.decode_www_form_component(value))`), and double-encoding (`%252B`) is the documented way
  // clients get a positive offset through. Those clients must keep working: the kit decodes only once, so
  // `2023-07-01T12:00:00%2B01:00` reaches the ISO parser and is refused with a 400.
  it('decodes the value a second time, as DfE does (double-encoded + offset)', () => {
    const parsed = parseDateFilter(q('filter[updated_since]=2023-07-01T12:00:00%252B01:00'), 'updated_since');
    expect(parsed!.toISOString()).toBe('2023-07-01T11:00:00.000Z');
  });

  it('decodes the value a second time, as DfE does (double-encoded colons)', () => {
    const parsed = parseDateFilter(q('filter[updated_since]=2023-07-01T12%253A00%253A00Z'), 'updated_since');
    expect(parsed!.toISOString()).toBe('2023-07-01T12:00:00.000Z');
  });
});

describe('parseUuidListFilter', () => {
  const parse = (search: string) => parseUuidListFilter(q(search), 'participant_id');

  it('reads a comma-delimited list', () => {
    expect(parse(`filter[participant_id]=${A}`)).toEqual([A]);
    expect(parse(`filter[participant_id]=${A},${B}`)).toEqual([A, B]);
    expect(parse(`filter[participant_id]=${A}%2C${B}`)).toEqual([A, B]);
  });

  it('accepts upper-case hex (normalised to lower case)', () => {
    expect(parse(`filter[participant_id]=${A.toUpperCase()},${B}`)).toEqual([A, B]);
  });

  it('tolerates trailing commas', () => {
    expect(parse(`filter[participant_id]=${A},`)).toEqual([A]);
    expect(parse(`filter[participant_id]=${A},${B},,`)).toEqual([A, B]);
  });

  it('de-duplicates, case-insensitively, keeping first-seen order', () => {
    expect(parse(`filter[participant_id]=${B},${A},${B.toUpperCase()},${A}`)).toEqual([B, A]);
  });

  it('is undefined when absent or empty', () => {
    expect(parse('')).toBeUndefined();
    expect(parse('filter[cohort]=2023')).toBeUndefined();
    expect(parse('filter[participant_id]=')).toBeUndefined();
    // Blank (Ruby's blank?: whitespace only) is no filter, as in DfE.
    expect(parse('filter[participant_id]=%20%20')).toBeUndefined();
  });

  it('reads commas only as an empty list (matches nothing), as Ruby splits it', () => {
    expect(parse('filter[participant_id]=,')).toEqual([]);
    expect(parse('filter[participant_id]=,,,')).toEqual([]);
  });

  it.each([
    ['leading comma', `filter[participant_id]=,${A}`],
    ['empty middle segment', `filter[participant_id]=${A},,${B}`],
    ['space after the comma', `filter[participant_id]=${A},%20${B}`],
    ['unencoded + (a space)', `filter[participant_id]=${A},+${B}`],
    ['trailing space', `filter[participant_id]=${A}%20`],
    ['a bad uuid', 'filter[participant_id]=123XXX'],
    ['a good and a bad uuid', `filter[participant_id]=${A},not-a-uuid`],
    ['braces', `filter[participant_id]={${A}}`],
    ['no dashes', `filter[participant_id]=${A.replace(/-/g, '')}`],
    ['a hash value', `filter[participant_id][${A}]=`],
    ['an array value', `filter[participant_id][]=${A}`],
  ])('%s is the exact 400', (_label, search) => {
    expectBadRequest(() => parse(search), UUID_LIST_INVALID);
  });

  it('names the key it was asked for', () => {
    expectBadRequest(
      () => parseUuidListFilter(q('filter[delivery_partner_id]=x'), 'delivery_partner_id'),
      "The filter '#/delivery_partner_id' must be a comma-delimited list of valid UUIDs",
    );
  });
});

describe('rubyToInt', () => {
  it.each([
    ['10abc', 10],
    ['1.5', 1],
    ['abc', 0],
    [' 7', 7],
    ['\t\n7', 7],
    ['-1', -1],
    ['+5', 5],
    ['007', 7],
    ['12 34', 12],
    ['1e3', 1],
    ['0x1A', 0],
    ['', 0],
    ['   ', 0],
    ['-', 0],
    ['3000', 3000],
  ])('%p.to_i is %p', (raw, expected) => {
    expect(rubyToInt(raw)).toBe(expected);
  });
});

describe('parseCohortFilter', () => {
  it.each([
    ['filter[cohort]=2023,2024', [2023, 2024]],
    ['filter[cohort]=2023', [2023]],
    ['filter[cohort]=abc', [0]],
    ['filter[cohort]=2023abc', [2023]],
    ['filter[cohort]=2023,%202024', [2023, 2024]],
    ['filter[cohort]=2024,2023,2024', [2024, 2023]],
    ['filter[cohort]=2023,,2024', [2023, 0, 2024]],
    // Outside the integer column's range: matches nothing (never a database error).
    ['filter[cohort]=99999999999', [0]],
    ['filter[cohort]=2024,-99999999999', [2024, 0]],
  ])('%p is %p', (search, expected) => {
    expect(parseCohortFilter(q(search))).toEqual(expected);
  });

  it.each([
    '',
    'filter[cohort]=',
    'filter[cohort]=%20',
    'filter[cohort][]=2023',
    'filter[cohort][x]=2023',
    'filter=2023',
  ])('%p is ignored', (search) => {
    expect(parseCohortFilter(q(search))).toBeUndefined();
  });

  it('reads another key when asked', () => {
    expect(parseCohortFilter(q('filter[year]=2025'), 'year')).toEqual([2025]);
    expect(parseCohortFilter(q('filter[year]=2025'))).toBeUndefined();
  });
});

describe('parsePagination', () => {
  it('defaults to page 1 of 100', () => {
    expect(DEFAULT_PER_PAGE).toBe(100);
    expect(MAX_PER_PAGE).toBe(3000);
    expect(parsePagination(q(''))).toEqual({ page: 1, perPage: 100, limit: 100, offset: 0 });
  });

  it('computes limit and offset', () => {
    expect(parsePagination(q('page[page]=3&page[per_page]=5'))).toEqual({
      page: 3,
      perPage: 5,
      limit: 5,
      offset: 10,
    });
    expect(parsePagination(q('page[page]=2'))).toEqual({ page: 2, perPage: 100, limit: 100, offset: 100 });
    expect(parsePagination(q('page[per_page]=7'))).toEqual({ page: 1, perPage: 7, limit: 7, offset: 0 });
  });

  it('clamps per_page to 3000 (and computes the offset from the clamped value)', () => {
    expect(parsePagination(q('page[per_page]=3000'))).toMatchObject({ perPage: 3000 });
    expect(parsePagination(q('page[per_page]=3001'))).toMatchObject({ perPage: 3000, limit: 3000 });
    expect(parsePagination(q('page[page]=2&page[per_page]=999999'))).toEqual({
      page: 2,
      perPage: 3000,
      limit: 3000,
      offset: 3000,
    });
  });

  it("parses values with Ruby's to_i", () => {
    expect(parsePagination(q('page[page]=10abc&page[per_page]=1.5'))).toEqual({
      page: 10,
      perPage: 1,
      limit: 1,
      offset: 9,
    });
    expect(parsePagination(q('page[page]=%202'))).toMatchObject({ page: 2 });
  });

  it.each(['0', '-1', 'abc', '', '%20', '-5abc', '0.9'])('page[page]=%p is the exact 400', (value) => {
    expectBadRequest(() => parsePagination(q(`page[page]=${value}`)), PAGE_INVALID);
  });

  it.each(['0', '-1', 'abc', '', '%20'])('page[per_page]=%p is the exact 400', (value) => {
    expectBadRequest(() => parsePagination(q(`page[per_page]=${value}`)), PAGE_INVALID);
  });

  it.each(['page[page][]=2', 'page[page][x]=2', 'page[per_page][]=5', 'page[per_page][x]=0'])(
    'an array or hash value (%p) is dropped, as DfE strong params drop it',
    (search) => {
      expect(parsePagination(q(search))).toEqual({ page: 1, perPage: 100, limit: 100, offset: 0 });
    },
  );

  it('keeps the offset of an absurdly far page a safe integer (an empty page, not a database error)', () => {
    const { page, offset } = parsePagination(q('page[page]=99999999999999999999&page[per_page]=3000'));
    expect(page).toBeGreaterThan(1);
    expect(offset).toBe(Number.MAX_SAFE_INTEGER);
  });

  it.each(['page=2', 'page=', 'page[]=2', 'page[]=2&page[]=3'])(
    'a non-hash page (%p) is ignored',
    (search) => {
      expect(parsePagination(q(search))).toEqual({ page: 1, perPage: 100, limit: 100, offset: 0 });
    },
  );

  it('ignores unknown page keys', () => {
    expect(parsePagination(q('page[size]=5&page[number]=3'))).toEqual({
      page: 1,
      perPage: 100,
      limit: 100,
      offset: 0,
    });
  });
});

describe('parseSort', () => {
  const columns = { created_at: 'created_at', updated_at: 'updated_at', name: 'name' };
  const fallback: SortKey[] = [{ column: 'created_at', direction: 'asc' }];
  const sort = (search: string, cols: Record<string, string> = columns) =>
    parseSort(q(search), cols, fallback);

  it('reads fields with optional +/- prefixes, in order', () => {
    expect(sort('sort=-updated_at,created_at')).toEqual([
      { column: 'updated_at', direction: 'desc' },
      { column: 'created_at', direction: 'asc' },
    ]);
    expect(sort('sort=%2Bname,-created_at')).toEqual([
      { column: 'name', direction: 'asc' },
      { column: 'created_at', direction: 'desc' },
    ]);
    expect(sort('sort=updated_at')).toEqual([{ column: 'updated_at', direction: 'asc' }]);
  });

  it('maps API field names to columns', () => {
    expect(sort('sort=-updated_at', { updated_at: 'significantly_updated_at' })).toEqual([
      { column: 'significantly_updated_at', direction: 'desc' },
    ]);
  });

  it('an unencoded + (a space) still reads as ascending (lenient; DfE drops the field)', () => {
    expect(sort('sort=+created_at')).toEqual([{ column: 'created_at', direction: 'asc' }]);
  });

  it('silently drops unknown fields', () => {
    expect(sort('sort=foo,-created_at,bar')).toEqual([{ column: 'created_at', direction: 'desc' }]);
    expect(sort('sort=--created_at,name')).toEqual([{ column: 'name', direction: 'asc' }]);
    expect(sort('sort=Created_At,name')).toEqual([{ column: 'name', direction: 'asc' }]);
  });

  it('ignores repeats of a field already used (first wins)', () => {
    expect(sort('sort=created_at,-created_at,updated_at')).toEqual([
      { column: 'created_at', direction: 'asc' },
      { column: 'updated_at', direction: 'asc' },
    ]);
    expect(sort('sort=-updated_at,modified', { updated_at: 'updated_at', modified: 'updated_at' })).toEqual([
      { column: 'updated_at', direction: 'desc' },
    ]);
  });

  it.each([
    '',
    'sort=',
    'sort=,',
    'sort=foo',
    'sort=foo,-bar',
    'sort=__proto__',
    'sort=toString,constructor',
    'sort=-',
  ])('%p falls back to the default', (search) => {
    expect(sort(search)).toBe(fallback);
  });

  it.each(['sort[]=created_at', 'sort[a]=created_at', 'sort[]=created_at&sort[]=name'])(
    'a non-string sort (%p) falls back to the default',
    (search) => {
      expect(sort(search)).toBe(fallback);
    },
  );
});
