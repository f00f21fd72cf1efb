import { ApiError } from '../src/errors';
import { list, readAttributes, single } from '../src/jsonapi';

const DATA_400 =
  '{"errors":[{"title":"Bad request","detail":"correct json data structure required. See API docs for reference"}]}';

function expectData400(fn: () => unknown): void {
  let thrown: unknown;
  try {
    fn();
  } catch (err) {
    thrown = err;
  }
  expect(thrown).toBeInstanceOf(ApiError);
  expect((thrown as ApiError).statusCode).toBe(400);
  expect(JSON.stringify((thrown as ApiError).body)).toBe(DATA_400);
}

describe('single', () => {
  it('is {"data":{"id","type","attributes"}} in that key order', () => {
    const body = single('c0ffee00-0000-4000-8000-000000000001', 'npq_application', {
      course_identifier: 'npq-senco',
      cohort: '2024',
    });
    expect(JSON.stringify(body)).toBe(
      '{"data":{"id":"c0ffee00-0000-4000-8000-000000000001","type":"npq_application","attributes":{"course_identifier":"npq-senco","cohort":"2024"}}}',
    );
    expect(Object.keys(body)).toEqual(['data']);
  });

  it('keeps the attributes object as given (order and nulls)', () => {
    const attributes = { z: 1, a: null, m: [] };
    const body = single('id', 'statement', attributes);
    expect(body.data.attributes).toBe(attributes);
    expect(JSON.stringify(body.data.attributes)).toBe('{"z":1,"a":null,"m":[]}');
  });
});

describe('list', () => {
  it('is {"data":[...]} with no links, meta or counts', () => {
    const items = [single('1', 'statement', { a: 1 }).data, single('2', 'statement', { a: 2 }).data];
    const body = list(items);
    expect(Object.keys(body)).toEqual(['data']);
    expect(JSON.stringify(body)).toBe(
      '{"data":[{"id":"1","type":"statement","attributes":{"a":1}},{"id":"2","type":"statement","attributes":{"a":2}}]}',
    );
  });

  it('an empty list is {"data":[]}', () => {
    expect(JSON.stringify(list([]))).toBe('{"data":[]}');
  });
});

describe('readAttributes', () => {
  it('returns data.attributes (data.type is never validated)', () => {
    expect(readAttributes({ data: { type: 'anything', attributes: { reason: 'x' } } })).toEqual({
      reason: 'x',
    });
    expect(readAttributes({ data: { attributes: { reason: 'x' } } })).toEqual({ reason: 'x' });
  });

  it.each([
    ['undefined body', undefined],
    ['null body', null],
    ['string body', 'data'],
    ['array body', [{ data: { attributes: { a: 1 } } }]],
    ['empty object', {}],
    ['no data', { attributes: { a: 1 } }],
    ['data null', { data: null }],
    ['data a string', { data: 'x' }],
    ['data an array', { data: [{ attributes: { a: 1 } }] }],
    ['data empty', { data: {} }],
    ['no attributes', { data: { type: 'participant-defer' } }],
    ['attributes null', { data: { attributes: null } }],
    ['attributes a string', { data: { attributes: 'reason' } }],
    ['attributes an array', { data: { attributes: ['reason'] } }],
    ['empty attributes', { data: { attributes: {} } }],
  ])('%s is the exact 400', (_label, body) => {
    expectData400(() => readAttributes(body));
  });

  describe('allowMissingData (accept, change-funded-place)', () => {
    const opts = { allowMissingData: true };

    it('no body, a null body or a body without data means "no attributes"', () => {
      expect(readAttributes(undefined, opts)).toBeUndefined();
      expect(readAttributes(null, opts)).toBeUndefined();
      expect(readAttributes({}, opts)).toBeUndefined();
      expect(readAttributes({ other: 1 }, opts)).toBeUndefined();
    });

    it.each([
      ['{"data":{}}', { data: {} }],
      ['data with empty attributes', { data: { attributes: {} } }],
      ['data without attributes', { data: { type: 'npq-application-accept' } }],
      ['data null', { data: null }],
      ['a non-object body', 'x'],
    ])('%s is still the 400', (_label, body) => {
      expectData400(() => readAttributes(body, opts));
    });

    it('reads attributes when data is present', () => {
      expect(readAttributes({ data: { attributes: { funded_place: true } } }, opts)).toEqual({
        funded_place: true,
      });
    });
  });

  describe('permitted', () => {
    const permitted = ['schedule_identifier', 'funded_place'] as const;

    it('keeps only permitted keys that are present, in permitted order', () => {
      const out = readAttributes(
        {
          data: {
            attributes: { extra: 1, funded_place: false, schedule_identifier: 'npq-leadership-spring' },
          },
        },
        { permitted },
      );
      expect(out).toEqual({ schedule_identifier: 'npq-leadership-spring', funded_place: false });
      expect(Object.keys(out!)).toEqual(['schedule_identifier', 'funded_place']);
    });

    it('keeps explicit null values and omits absent keys', () => {
      const out = readAttributes({ data: { attributes: { funded_place: null, other: 1 } } }, { permitted });
      expect(out).toEqual({ funded_place: null });
      expect('schedule_identifier' in out!).toBe(false);
    });

    it('attributes holding only unknown keys gives {} without requirePermittedKey', () => {
      expect(readAttributes({ data: { attributes: { other: 1 } } }, { permitted })).toEqual({});
    });

    it('does not pick up inherited keys', () => {
      const out = readAttributes(
        { data: { attributes: { other: 1 } } },
        { permitted: ['toString', 'constructor'] },
      );
      expect(out).toEqual({});
    });

    it('still refuses empty attributes', () => {
      expectData400(() => readAttributes({ data: { attributes: {} } }, { permitted }));
    });
  });

  describe('requirePermittedKey', () => {
    const opts = { permitted: ['funded_place'], requirePermittedKey: true };

    it('attributes holding only unknown keys is the 400', () => {
      expectData400(() => readAttributes({ data: { attributes: { other: 1 } } }, opts));
    });

    it('passes when a permitted key is present, even with a null value', () => {
      expect(readAttributes({ data: { attributes: { funded_place: null, other: 1 } } }, opts)).toEqual({
        funded_place: null,
      });
    });

    it('combines with allowMissingData', () => {
      const both = { ...opts, allowMissingData: true };
      expect(readAttributes({}, both)).toBeUndefined();
      expectData400(() => readAttributes({ data: { attributes: { other: 1 } } }, both));
      expect(readAttributes({ data: { attributes: { funded_place: true } } }, both)).toEqual({
        funded_place: true,
      });
    });
  });
});

describe('readAttributes: strong-parameter scalars', () => {
  it('drops an array or object value of a permitted key, so the key reads as absent', () => {
    const body = { data: { attributes: { a: [1], b: { x: 1 }, c: 'kept', d: null, e: false } } };
    expect(readAttributes(body, { permitted: ['a', 'b', 'c', 'd', 'e'] })).toEqual({
      c: 'kept',
      d: null,
      e: false,
    });
  });

  it('counts only scalar permitted keys for requirePermittedKey', () => {
    expect(() =>
      readAttributes(
        { data: { attributes: { a: [true] } } },
        { permitted: ['a'], requirePermittedKey: true },
      ),
    ).toThrow();
  });
});
