import {
  assertStorableQuery,
  findUnstorableString,
  jsonNestsDeeperThan,
  MAX_JSON_DEPTH,
  parseJsonBody,
  SAFE_REQUEST_ID,
  unstorableReason,
} from '../src/input';
import { ApiError } from '../src/errors';

function detailOf(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(ApiError);
    const e = err as ApiError;
    expect(e.statusCode).toBe(400);
    return (e.body as { errors: { detail: string }[] }).errors[0]!.detail;
  }
  throw new Error('expected a 400');
}

describe('jsonNestsDeeperThan', () => {
  const nested = (n: number) => `${'['.repeat(n)}${']'.repeat(n)}`;

  it.each([
    [nested(32), 32, false],
    [nested(33), 32, true],
    ['{"a":{"b":{"c":1}}}', 2, true],
    ['{"a":{"b":{"c":1}}}', 3, false],
  ])('%s deeper than %i: %p', (text, limit, expected) => {
    expect(jsonNestsDeeperThan(text, limit)).toBe(expected);
  });

  it('ignores brackets inside strings, escaped quotes included', () => {
    expect(jsonNestsDeeperThan(`{"a":"${'['.repeat(100)}\\"${'{'.repeat(100)}"}`, 2)).toBe(false);
  });

  it('measures a million levels without recursion', () => {
    expect(jsonNestsDeeperThan(nested(1_000_000), MAX_JSON_DEPTH)).toBe(true);
  });
});

describe('unstorableReason', () => {
  it.each([
    ['plain text', undefined],
    ['emoji 😀 and ünïcödé', undefined],
    ['a\u0000b', 'must not contain NUL characters'],
    ['\ud800', 'must be valid Unicode text'],
    ['x\udc00', 'must be valid Unicode text'],
    ['\udc00\ud800', 'must be valid Unicode text'],
  ])('%p → %p', (value, expected) => {
    expect(unstorableReason(value)).toBe(expected);
  });
});

describe('findUnstorableString', () => {
  it('finds values and keys at any depth, with a JSON pointer', () => {
    expect(findUnstorableString({ data: { attributes: { full_name: 'a\u0000' } } })).toEqual({
      pointer: '#/data/attributes/full_name',
      reason: 'must not contain NUL characters',
    });
    expect(findUnstorableString({ list: ['ok', 'bad\u0000'] })?.pointer).toBe('#/list/1');
    expect(findUnstorableString({ 'k\u0000': 1 })).toEqual({
      pointer: '#/k\\u0000',
      reason: 'key must not contain NUL characters',
    });
    expect(findUnstorableString({ a: 1, b: [true, null, { c: 'fine' }] })).toBeUndefined();
  });
});

describe('parseJsonBody', () => {
  it('parses a normal body', () => {
    expect(parseJsonBody('{"data":{"attributes":{"a":1}}}')).toEqual({ data: { attributes: { a: 1 } } });
  });

  it.each([
    ['{not json', 'The request body is not valid JSON'],
    [`{"x":${'['.repeat(5000)}${']'.repeat(5000)}}`, 'The request body must not nest deeper than 32 levels'],
    [
      '{"data":{"attributes":{"name":"a\\u0000b"}}}',
      "The value at '#/data/attributes/name' in the request body must not contain NUL characters",
    ],
    ['{"name":"\\udfff"}', "The value at '#/name' in the request body must be valid Unicode text"],
  ])('%s is a 400: %s', (text, detail) => {
    expect(detailOf(() => parseJsonBody(text))).toBe(detail);
  });
});

describe('assertStorableQuery', () => {
  it('names the parameter in bracket form', () => {
    expect(detailOf(() => assertStorableQuery({ filter: { cohort: '2025\u0000' } }))).toBe(
      "The query parameter 'filter[cohort]' must not contain NUL characters",
    );
    expect(detailOf(() => assertStorableQuery({ sort: '\ud800' }))).toBe(
      "The query parameter 'sort' must be valid Unicode text",
    );
  });

  it('lets storable queries through', () => {
    expect(() => assertStorableQuery({ filter: { cohort: '2025' }, page: { page: '1' } })).not.toThrow();
  });
});

describe('SAFE_REQUEST_ID', () => {
  it.each(['abc', 'a1.b-c_d:e', 'x'.repeat(64), '3f1c2b4a-5d6e-4f70-8a9b-0c1d2e3f4a5b'])('%p is kept', (id) =>
    expect(SAFE_REQUEST_ID.test(id)).toBe(true),
  );
  it.each(['', 'x'.repeat(65), 'a b', '<x>', 'a\nb', 'é'])('%p is replaced', (id) =>
    expect(SAFE_REQUEST_ID.test(id)).toBe(false),
  );
});
