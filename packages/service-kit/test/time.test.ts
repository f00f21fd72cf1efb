import {
  isValidDateOnly,
  parseIso8601,
  parseRfc3339Strict,
  parseServerDate,
  startOfDayUtc,
  toDateOnly,
  toDateRfc3339,
  toRfc3339,
  truncateToSeconds,
} from '../src/time';

const iso = (d: Date | null): string | null => (d ? d.toISOString() : null);

describe('toRfc3339', () => {
  it('has second precision and a Z suffix (no milliseconds)', () => {
    expect(toRfc3339(new Date('2023-07-01T12:00:00.987Z'))).toBe('2023-07-01T12:00:00Z');
    expect(toRfc3339(new Date('2023-07-01T12:00:00.000Z'))).toBe('2023-07-01T12:00:00Z');
  });

  it('drops (does not round) the milliseconds', () => {
    expect(toRfc3339(new Date('2023-12-31T23:59:59.999Z'))).toBe('2023-12-31T23:59:59Z');
  });

  it('renders UTC whatever the input offset', () => {
    expect(toRfc3339(new Date('2023-07-01T12:00:00+01:00'))).toBe('2023-07-01T11:00:00Z');
  });

  it('passes null and undefined through as null', () => {
    expect(toRfc3339(null)).toBeNull();
    expect(toRfc3339(undefined)).toBeNull();
  });
});

describe('date helpers', () => {
  it('toDateOnly is the UTC calendar day', () => {
    expect(toDateOnly(new Date('2023-07-01T23:59:59Z'))).toBe('2023-07-01');
    expect(toDateOnly(new Date('2023-07-02T00:30:00+01:00'))).toBe('2023-07-01');
  });

  it("toDateRfc3339 matches Ruby's Date#rfc3339", () => {
    expect(toDateRfc3339('2021-05-31')).toBe('2021-05-31T00:00:00+00:00');
  });

  it('startOfDayUtc is midnight UTC', () => {
    expect(startOfDayUtc('2024-02-29').toISOString()).toBe('2024-02-29T00:00:00.000Z');
  });

  it('truncateToSeconds drops milliseconds', () => {
    expect(truncateToSeconds(new Date('2023-07-01T12:00:00.999Z')).toISOString()).toBe(
      '2023-07-01T12:00:00.000Z',
    );
    const d = new Date('2023-07-01T12:00:00.500Z');
    truncateToSeconds(d);
    expect(d.toISOString()).toBe('2023-07-01T12:00:00.500Z');
  });
});

describe('isValidDateOnly', () => {
  it.each(['2021-01-01', '2024-02-29', '2000-02-29', '2023-12-31'])('accepts %s', (v) => {
    expect(isValidDateOnly(v)).toBe(true);
  });

  it.each([
    '2021-02-30',
    '2023-02-29',
    '1900-02-29',
    '2021-13-01',
    '2021-00-10',
    '2021-01-00',
    '2021-04-31',
    '2021-1-01',
    '21-01-01',
    '2021-01-01T00:00:00Z',
    ' 2021-01-01',
    '2021/01/01',
    '',
    'abc',
  ])('rejects %p', (v) => {
    expect(isValidDateOnly(v)).toBe(false);
  });
});

describe('parseIso8601 (filter[updated_since] / filter[created_since])', () => {
  it.each([
    ['2023-01-01', '2023-01-01T00:00:00.000Z'],
    ['2023-01-01T10:20:30Z', '2023-01-01T10:20:30.000Z'],
    ['2023-01-01T10:20:30z', '2023-01-01T10:20:30.000Z'],
    ['2023-01-01t10:20:30Z', '2023-01-01T10:20:30.000Z'],
    ['2023-01-01T10:20:30', '2023-01-01T10:20:30.000Z'],
    ['2023-01-01T10:20:30+01:00', '2023-01-01T09:20:30.000Z'],
    ['2023-01-01T10:20:30+0100', '2023-01-01T09:20:30.000Z'],
    ['2023-01-01T10:20:30+01', '2023-01-01T09:20:30.000Z'],
    ['2023-01-01T10:20:30-05:30', '2023-01-01T15:50:30.000Z'],
    ['2023-01-01T10:20:30-0530', '2023-01-01T15:50:30.000Z'],
    ['2023-01-01T10:20:30-05', '2023-01-01T15:20:30.000Z'],
    ['2023-01-01T00:30:00+01:00', '2022-12-31T23:30:00.000Z'],
    ['2023-01-01T10:20:30.123Z', '2023-01-01T10:20:30.123Z'],
    ['2023-01-01T10:20:30.5Z', '2023-01-01T10:20:30.500Z'],
    ['2023-01-01T10:20:30.123456789Z', '2023-01-01T10:20:30.123Z'],
    ['2023-01-01T10:20:30,25Z', '2023-01-01T10:20:30.250Z'],
    ['2023-01-01T10:20:30.123+01:00', '2023-01-01T09:20:30.123Z'],
    ['  2023-01-01T10:20:30Z  ', '2023-01-01T10:20:30.000Z'],
    ['\t2023-01-01\n', '2023-01-01T00:00:00.000Z'],
    ['2024-02-29T23:59:59Z', '2024-02-29T23:59:59.000Z'],
  ])('accepts %p', (raw, expected) => {
    expect(iso(parseIso8601(raw))).toBe(expected);
  });

  it('reads the fraction exactly to the millisecond', () => {
    for (let i = 0; i < 1000; i++) {
      const frac = String(i).padStart(3, '0');
      expect(parseIso8601(`2023-01-01T00:00:00.${frac}Z`)!.getUTCMilliseconds()).toBe(i);
    }
  });

  describe('the double URL-decoding quirk: `+hh:mm` arrives as ` hh:mm`', () => {
    it.each([
      ['2023-01-01T10:20:30 01:00', '2023-01-01T09:20:30.000Z'],
      ['2023-01-01T10:20:30 0100', '2023-01-01T09:20:30.000Z'],
      ['2023-01-01T10:20:30.5 01:00', '2023-01-01T09:20:30.500Z'],
    ])('reads %p as a positive offset', (raw, expected) => {
      expect(iso(parseIso8601(raw))).toBe(expected);
    });

    it('a negative offset is unaffected', () => {
      expect(iso(parseIso8601('2023-01-01T10:20:30-01:00'))).toBe('2023-01-01T11:20:30.000Z');
    });
  });

  it.each([
    '2023-13-01',
    '2023-00-01',
    '2023-02-30',
    '2023-02-29',
    '2023-04-31',
    '2023-01-01T24:00:00Z',
    '2023-01-01T23:60:00Z',
    '2023-01-01T25:00:00Z',
    '2023-01-01T10:20:30+24:00',
    '2023-01-01T10:20:30+01:60',
    '2023-01-01T10:20Z',
    '2023-01-01T10:20:30+1',
    '2023-01-01T10:20:30 +01:00 extra',
    '2023-01-01T',
    '2023-1-1',
    '20230101',
    '2023-01-01Z',
    '01/01/2023',
    'yesterday',
    'abc',
    '',
    '   ',
  ])('rejects %p', (raw) => {
    expect(parseIso8601(raw)).toBeNull();
  });
});

describe('parseRfc3339Strict (declaration_date, docs/domain.md, "Declaration dates")', () => {
  it.each([
    ['2023-01-01T10:20:30Z', '2023-01-01T10:20:30.000Z'],
    ['2023-01-01T10:20:30', '2023-01-01T10:20:30.000Z'],
    ['2023-01-01t10:20:30z', '2023-01-01T10:20:30.000Z'],
    ['2023-01-01T10:20:30.123Z', '2023-01-01T10:20:30.123Z'],
    ['2023-01-01T10:20:30,5Z', '2023-01-01T10:20:30.500Z'],
    ['2023-01-01T10:20:30+01:00', '2023-01-01T09:20:30.000Z'],
    ['2023-01-01T10:20:30+0100', '2023-01-01T09:20:30.000Z'],
    ['2023-01-01T10:20:30+01', '2023-01-01T09:20:30.000Z'],
    ['2023-01-01T10:20:30-05:00', '2023-01-01T15:20:30.000Z'],
    ['2024-02-29T00:00:00Z', '2024-02-29T00:00:00.000Z'],
  ])('accepts %p', (raw, expected) => {
    expect(iso(parseRfc3339Strict(raw))).toBe(expected);
  });

  it.each([
    ['date only', '2023-01-01'],
    ['space instead of T', '2023-01-01 10:20:30Z'],
    ['month 19', '2023-19-01T10:20:30Z'],
    ['month 13', '2023-13-01T10:20:30Z'],
    ['Feb 30', '2023-02-30T10:20:30Z'],
    ['hour 29', '2023-01-01T29:20:30Z'],
    ['hour 24', '2023-01-01T24:00:00Z'],
    ['minute 60', '2023-01-01T10:60:00Z'],
    ['no seconds', '2023-01-01T10:20Z'],
    ['leading whitespace', ' 2023-01-01T10:20:30Z'],
    ['trailing whitespace', '2023-01-01T10:20:30Z '],
    ['space before the zone', '2023-01-01T10:20:30 Z'],
    ['space-for-plus quirk', '2023-01-01T10:20:30 01:00'],
    ['one-digit offset', '2023-01-01T10:20:30+1'],
    ['empty', ''],
    ['garbage', 'not a date'],
  ])('rejects %s (%p)', (_label, raw) => {
    expect(parseRfc3339Strict(raw)).toBeNull();
  });
});

describe('parseServerDate (X-With-Server-Date)', () => {
  it.each([
    ['2022-01-10T10:42:00Z', '2022-01-10T10:42:00.000Z'],
    ['2022-01-10T10:42:00', '2022-01-10T10:42:00.000Z'],
    ['2022-01-10T10:42:00+01:00', '2022-01-10T09:42:00.000Z'],
    ['2022-01-10T10:42:00.250Z', '2022-01-10T10:42:00.250Z'],
    ['2022-01-10', '2022-01-10T00:00:00.000Z'],
    ['2022-01-10 10:42:00', '2022-01-10T10:42:00.000Z'],
    [' 2022-01-10T10:42:00Z ', '2022-01-10T10:42:00.000Z'],
    ['Mon, 10 Jan 2022 10:42:00 GMT', '2022-01-10T10:42:00.000Z'],
    ['10 Jan 2022 10:42:00 GMT', '2022-01-10T10:42:00.000Z'],
    ['Mon, 10 Jan 2022 10:42:00 UTC', '2022-01-10T10:42:00.000Z'],
    ['Mon, 10 Jan 2022 10:42:00 +0100', '2022-01-10T09:42:00.000Z'],
    ['Mon, 10 Jan 2022 10:42:00 -0500', '2022-01-10T15:42:00.000Z'],
    ['Mon, 10 Jan 2022 10:42 GMT', '2022-01-10T10:42:00.000Z'],
    ['Mon, 10 Jan 2022 10:42:00', '2022-01-10T10:42:00.000Z'],
    ['Wed, 1 Feb 2023 00:00:00 GMT', '2023-02-01T00:00:00.000Z'],
    ['mon, 10 jan 2022 10:42:00 GMT', '2022-01-10T10:42:00.000Z'],
  ])('accepts %p', (raw, expected) => {
    expect(iso(parseServerDate(raw))).toBe(expected);
  });

  it.each([
    '',
    '   ',
    'not a date',
    '2022-13-01',
    '2022-02-30',
    '2022-01-10T25:00:00Z',
    'Mon, 30 Feb 2022 10:42:00 GMT',
    'Mon, 10 Foo 2022 10:42:00 GMT',
    'Mon, 10 Jan 2022 25:42:00 GMT',
    '1641811320',
  ])('rejects %p', (raw) => {
    expect(parseServerDate(raw)).toBeNull();
  });
});
