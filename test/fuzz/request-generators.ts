import fc from 'fast-check';
import {
  deeplyNested,
  jsonPaths,
  nodeAt,
  RawJson,
  toJsonText,
  updateAt,
  withKey,
  type JsonPath,
} from './json-text';
import type { Operation, OperationParameter, Schema, TokenScope } from './openapi-operations';

/** Real ids seeded before fuzzing, so that generated requests sometimes reach real resources. */
export interface IdPools {
  applications: string[];
  participants: string[];
  declarations: string[];
  outcomes: string[];
  statements: string[];
  deliveryPartners: string[];
  leadProviders: string[];
  /** Tokens the fuzzer may revoke (never the ones it authenticates with). */
  apiTokens: string[];
  outcomeDeliveries: string[];
  trns: string[];
}

export interface FuzzTokens {
  /** Bootstrap tokens of some lead providers; the first owns most of the seeded data. */
  providers: string[];
  admin: string;
  teacherRecord: string;
}

export interface FuzzContext {
  operations: Operation[];
  ids: IdPools;
  tokens: FuzzTokens;
}

/** One generated HTTP request, exactly as it goes on the wire. */
export interface FuzzRequest {
  /** The operation it was derived from (or `raw-protocol`, `unrouted`). */
  operation: string;
  method: string;
  /** The request-target as sent: not normalised, escapes and dot segments as generated. */
  target: string;
  headers: [string, string][];
  body: string | undefined;
  /**
   * Set when the request cannot be written by node:http (a bad request line, invalid header bytes,
   * oversized or duplicated framing headers): the exact bytes (UTF-8) to write on a fresh socket.
   */
  raw: string | undefined;
  /** What is odd about it (`path:nul`, `body:deep`, ...): groups failures in the long run's summary. */
  tags: string[];
}

type Part<T> = { value: T; tags: string[] };

const part = <T>(value: T, ...tags: string[]): Part<T> => ({ value, tags });

/**
 * Weighted choice. Shrinking may move to an earlier branch, so the first branch is the plainest (no
 * query, no odd header, the operation's own method): a reproducer keeps only what it needs.
 */
function weighted<T>(...branches: [number, fc.Arbitrary<T>][]): fc.Arbitrary<T> {
  return fc.oneof(
    { withCrossShrink: true },
    ...branches.map(([weight, arbitrary]) => ({ weight, arbitrary })),
  );
}

function tagged<T>(tag: string, arb: fc.Arbitrary<T>): fc.Arbitrary<Part<T>> {
  return arb.map((value) => part(value, tag));
}

function fromList<T>(tag: string, values: readonly T[]): fc.Arbitrary<Part<T>> {
  return tagged(tag, fc.constantFrom(...values));
}

/**
 * `variants` applied to a value of `source`. A tuple and not `chain`: fast-check re-draws a chained
 * arbitrary at random when it shrinks the source, so a reproducer could lose the very thing that failed.
 */
function variantsOf<S, T>(
  tag: string,
  source: fc.Arbitrary<S>,
  variants: readonly ((value: S) => T)[],
): fc.Arbitrary<Part<T>> {
  return fc.tuple(source, fc.constantFrom(...variants)).map(([value, f]) => part(f(value), tag));
}

/**
 * One dimension of a request (method, path, query, headers, body) in two moods: `plain` gets past the
 * checks of that dimension (so the request reaches the code behind them) and `wild` attacks it.
 */
interface Moods<T> {
  plain: fc.Arbitrary<T>;
  wild: fc.Arbitrary<T>;
}

// ---------------------------------------------------------------------------------------------------------
// Strings and encodings
// ---------------------------------------------------------------------------------------------------------

const UNRESERVED = /[A-Za-z0-9\-._~]/;

/** Percent-encodes the UTF-8 bytes of `s` (lone surrogates become U+FFFD rather than throwing). */
export function percentEncode(s: string): string {
  let out = '';
  for (const byte of Buffer.from(s, 'utf8')) {
    const ch = String.fromCharCode(byte);
    out += UNRESERVED.test(ch) ? ch : `%${byte.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return out;
}

/** Any code point, lone surrogates and control characters included. */
const anyText = fc.string({ unit: 'binary', maxLength: 24 });

const LONG = [199, 200, 201, 256, 1000, 5000];

/** Strings DfE's clients never send, that crash careless code: NUL, surrogates, bidi, SQL, long. */
const NASTY_STRINGS = [
  '',
  ' ',
  '\u0000',
  'a\u0000b',
  '\u0000\u0000\u0000',
  '%00',
  '\ud800',
  'x\udfffy',
  '\ufeff',
  '\u202e',
  '😀',
  'é',
  '\\',
  '\\u0000',
  "'; select pg_sleep(0); --",
  '%',
  '%zz',
  '..',
  '../..',
  'null',
  'true',
  '0',
  '-1',
  'NaN',
  'Infinity',
  '__proto__',
  'constructor',
  '{}',
  '[]',
  '\r\n',
  '\t',
];

const nastyString: fc.Arbitrary<Part<string>> = weighted(
  [4, fromList('nasty-string', NASTY_STRINGS)],
  [
    2,
    tagged(
      'nul',
      fc.tuple(anyText, anyText).map(([a, b]) => `${a}\u0000${b}`),
    ),
  ],
  [
    2,
    tagged(
      'long-string',
      fc.constantFrom(...LONG, 100_000).map((n) => 'a'.repeat(n)),
    ),
  ],
  [2, tagged('binary-string', anyText)],
);

// ---------------------------------------------------------------------------------------------------------
// Ids (path parameters and id attributes)
// ---------------------------------------------------------------------------------------------------------

type IdKind = keyof IdPools | 'any';

function poolOf(ctx: FuzzContext, kind: IdKind): string[] {
  if (kind !== 'any') return ctx.ids[kind];
  return Object.entries(ctx.ids)
    .filter(([k]) => k !== 'trns')
    .flatMap(([, ids]) => ids);
}

function realId(ctx: FuzzContext, kind: IdKind): fc.Arbitrary<string> {
  const pool = poolOf(ctx, kind);
  return pool.length > 0 ? fc.constantFrom(...pool) : fc.uuid();
}

/** Which pool a path's `{id}` (or `{trn}`) draws from, by the collection it names. */
function idKindOfPath(path: string, param: string): IdKind {
  if (param === 'trn') return 'trns';
  const rules: [RegExp, IdKind][] = [
    [/\/npq-applications\/\{/, 'applications'],
    [/\/participants\/npq\/\{/, 'participants'],
    [/\/participants\/\{/, 'participants'],
    [/\/participant-declarations\/\{/, 'declarations'],
    [/\/statements\/\{/, 'statements'],
    [/\/delivery-partners\/\{/, 'deliveryPartners'],
    [/\/lead-providers\/\{/, 'leadProviders'],
    [/\/api-tokens\/\{/, 'apiTokens'],
    [/\/outcome-deliveries\/\{/, 'outcomeDeliveries'],
  ];
  return rules.find(([re]) => re.test(path))?.[1] ?? 'any';
}

/** Which pool an id attribute (`participant_id`, `into_participant_id`, ...) draws from. */
function idKindOfField(field: string | undefined): IdKind {
  if (!field) return 'any';
  if (/participant_id$/.test(field)) return 'participants';
  if (/delivery_partner_id$/.test(field)) return 'deliveryPartners';
  if (field === 'lead_provider_id') return 'leadProviders';
  if (field === 'outcome_id') return 'outcomes';
  return 'any';
}

/** Ids that are not quite ids: each is a 4xx for a careful server and a database error for a careless one. */
function notAnId(ctx: FuzzContext, kind: IdKind): fc.Arbitrary<Part<string>> {
  return weighted(
    [
      3,
      fromList('not-uuid', [
        'not-a-uuid',
        '00000000-0000-0000-0000-000000000000',
        'ffffffff-ffff-ffff-ffff-ffffffffffff',
        'g0b4a32e-a272-489e-b30a-cb17131457fc',
        '{d0b4a32e-a272-489e-b30a-cb17131457fc}',
        'd0b4a32ea272489eb30acb17131457fc',
        '1',
        '0',
        '-1',
        '99999999999999999999999',
        '1e400',
        '0x1F',
        'NaN',
      ]),
    ],
    [
      3,
      variantsOf('id-variant', realId(ctx, kind), [
        (id: string) => id.toUpperCase(),
        (id: string) => `${id}x`,
        (id: string) => `${id} `,
        (id: string) => ` ${id}`,
        (id: string) => `${id},${id}`,
        (id: string) => id.slice(0, 35),
        (id: string) => `${id}\u0000`,
        (id: string) => `\u0000${id}`,
        (id: string) => `${id}${id}`,
      ]),
    ],
    [
      1,
      tagged(
        'long-id',
        fc.constantFrom(...LONG).map((n) => 'a'.repeat(n)),
      ),
    ],
    [2, nastyString],
  );
}

/** A path segment in place of `{id}`: mostly real or random ids, often garbage written into the URL raw. */
function pathSegment(ctx: FuzzContext, kind: IdKind): fc.Arbitrary<Part<string>> {
  const segmentGarbage = fromList('path-escape', [
    '%',
    '%%',
    '%zz',
    '%2',
    '%E0%A4%A',
    '%C3%28',
    '%FF',
    '%c0%af',
    '%ed%a0%80',
    '%0a',
    '%0d%0a',
    '%20',
    '%25',
    '%2F',
    '%5C',
    '%3F',
    '%23',
  ]);
  const dots = fromList('path-dots', [
    '..',
    '.',
    '%2e%2e',
    '%2E%2E',
    '%2e',
    '.%2e',
    '%2e.',
    '..%2f',
    '%2e%2e%2f%2e%2e',
    '..;',
    '...',
  ]);
  return weighted(
    [8, tagged('real-id', realId(ctx, kind))],
    [2, tagged('random-uuid', fc.uuid())],
    [2, segmentGarbage],
    [2, dots],
    [
      2,
      variantsOf('path-nul', realId(ctx, kind), [
        (id: string) => `${id}%00`,
        (id: string) => `%00${id}`,
        () => '%00',
        (id: string) => `${id}%00.json`,
        (id: string) => `${id}\u0000`,
      ]),
    ],
    [
      2,
      variantsOf('id-suffix', realId(ctx, kind), [
        (id: string) => `${id}.json`,
        (id: string) => `${id}.`,
        (id: string) => `${id}..`,
        (id: string) => `${id}/`,
        (id: string) => `${id}//`,
        (id: string) => `${id}/..`,
        (id: string) => `${id}%2F..`,
        (id: string) => `${id};x=1`,
        (id: string) => `${id}%20`,
        (id: string) => id.toUpperCase(),
        (id: string) => `${id}.${'x'.repeat(300)}`,
      ]),
    ],
    [
      2,
      tagged(
        'long-id',
        fc.constantFrom(...LONG).map((n) => 'a'.repeat(n)),
      ),
    ],
    [2, tagged('encoded-text', anyText.map(percentEncode))],
    [1, tagged('raw-text', anyText)],
    [2, notAnId(ctx, kind).map((p) => part(percentEncode(p.value), ...p.tags))],
  );
}

// ---------------------------------------------------------------------------------------------------------
// JSON values from schemas, and their mutations
// ---------------------------------------------------------------------------------------------------------

const DATE_TIMES = ['2025-10-10T10:00:00Z', '2025-10-10T10:00:00.123+01:00', '2021-05-31T02:21:32Z'];
const DATES = ['2025-11-01', '2026-03-01', '2021-05-31'];

function stringFromSchema(schema: Schema, field: string | undefined, ctx: FuzzContext): fc.Arbitrary<string> {
  if (schema.format === 'uuid' || /_id$/.test(field ?? '')) {
    return weighted([4, realId(ctx, idKindOfField(field))], [1, fc.uuid()]);
  }
  const examples = Array.isArray(schema.examples) ? (schema.examples as unknown[]).map(String) : [];
  if (schema.format === 'date-time' || /date$/.test(field ?? '')) {
    return fc.constantFrom(...examples, ...(schema.format === 'date' ? DATES : DATE_TIMES));
  }
  if (schema.format === 'date' || field === 'as_of') return fc.constantFrom(...examples, ...DATES);
  if (field === 'email') return fc.nat(1_000_000).map((n) => `fuzz-${n}@example.com`);
  if (field === 'teacher_reference_number' || field === 'trn') {
    return weighted(
      [1, realId(ctx, 'trns')],
      [1, fc.integer({ min: 1_000_000, max: 9_999_999 }).map(String)],
    );
  }
  const generated =
    typeof schema.pattern === 'string'
      ? fc.stringMatching(new RegExp(schema.pattern), { maxLength: 20 })
      : fc.string({ minLength: (schema.minLength as number | undefined) ?? 0, maxLength: 20 });
  return examples.length > 0 ? weighted([3, fc.constantFrom(...examples)], [1, generated]) : generated;
}

/** A valid-ish value of `schema` (the fuzzer then breaks it): enums, examples, real ids, required keys. */
export function valueFromSchema(schema: Schema, ctx: FuzzContext, field?: string): fc.Arbitrary<unknown> {
  if (schema.const !== undefined) return fc.constant(schema.const);
  if (Array.isArray(schema.enum)) return fc.constantFrom(...(schema.enum as unknown[]));
  const alternatives = (schema.oneOf ?? schema.anyOf) as Schema[] | undefined;
  if (alternatives) return fc.oneof(...alternatives.map((s) => valueFromSchema(s, ctx, field)));
  if (Array.isArray(schema.allOf)) {
    const merged = (schema.allOf as Schema[]).reduce<Schema>((acc, s) => ({ ...acc, ...s }), {});
    return valueFromSchema({ ...merged, allOf: undefined }, ctx, field);
  }
  const types: string[] = Array.isArray(schema.type)
    ? (schema.type as string[])
    : typeof schema.type === 'string'
      ? [schema.type]
      : [schema.properties ? 'object' : 'string'];
  if (types.length > 1)
    return fc.oneof(...types.map((type) => valueFromSchema({ ...schema, type }, ctx, field)));
  switch (types[0]) {
    case 'null':
      return fc.constant(null);
    case 'boolean':
      return fc.boolean();
    case 'integer':
      return fc.integer({ min: (schema.minimum as number | undefined) ?? 0, max: 3000 });
    case 'number':
      return fc.double({ noNaN: true, noDefaultInfinity: true });
    case 'array':
      return fc.array(valueFromSchema((schema.items as Schema | undefined) ?? {}, ctx, field), {
        maxLength: 3,
      });
    case 'object': {
      const properties = (schema.properties as Record<string, Schema> | undefined) ?? {};
      const required = (schema.required as string[] | undefined) ?? [];
      const model = Object.fromEntries(
        Object.entries(properties).map(([key, s]) => [key, valueFromSchema(s, ctx, key)]),
      );
      return fc.record(model, { requiredKeys: required.filter((k) => k in properties) });
    }
    default:
      return stringFromSchema(schema, field, ctx);
  }
}

/** Attributes whose documented example value can be used once only (a second use is a 422). */
const UNIQUE_FIELDS = new Set(['email', 'name']);

const isPlainObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v) && !(v instanceof RawJson);

/**
 * A value close to a documented example: every key of the example kept, each value the example's own
 * (so the body passes validation and a single mutation reaches the code behind it) or, one time in
 * `drawRate + 1`, drawn from the schema. Ids are always drawn (real ones mostly), and so are values that
 * must be unique.
 */
function valueNear(
  example: unknown,
  schema: Schema | undefined,
  ctx: FuzzContext,
  drawRate: number,
  field?: string,
): fc.Arbitrary<unknown> {
  if (isPlainObject(example)) {
    const properties = (schema?.properties as Record<string, Schema> | undefined) ?? {};
    return fc.record(
      Object.fromEntries(
        Object.entries(example).map(([k, v]) => [k, valueNear(v, properties[k], ctx, drawRate, k)]),
      ),
    );
  }
  if (!schema) return fc.constant(example);
  const drawn = valueFromSchema(schema, ctx, field);
  if (field && (UNIQUE_FIELDS.has(field) || /_id$/.test(field))) return drawn;
  return drawRate === 0 ? fc.constant(example) : weighted([drawRate, fc.constant(example)], [1, drawn]);
}

/** Numbers that do not fit a double, an int4 or a bigint, and other number spellings. */
const HUGE_NUMBERS = [
  '1e400',
  '-1e400',
  '1e-400',
  '123456789012345678901234567890',
  '9007199254740993',
  '2147483648',
  '-2147483649',
  '-0',
  '1.0',
  '0.1e1',
  '1E2',
];

/** A replacement value of any JSON type, each one wrong somewhere. */
/** Strings in place of a UUID attribute (`into_participant_id`, ...) that are not UUIDs. */
const NOT_UUIDS = [
  'not-a-uuid',
  'd0b4a32e-a272-489e-b30a-cb17131457fcx',
  'g0b4a32e-a272-489e-b30a-cb17131457fc',
  'd0b4a32ea272489eb30acb17131457fc',
  '{d0b4a32e-a272-489e-b30a-cb17131457fc}',
  'D0B4A32E-A272-489E-B30A-CB17131457FC',
  '1',
  '',
];

export const weirdValue: fc.Arbitrary<Part<unknown>> = weighted<Part<unknown>>(
  [4, nastyString],
  [1, fromList('not-uuid', NOT_UUIDS)],
  [2, fromList('huge-number', HUGE_NUMBERS).map((p) => part(new RawJson(p.value), ...p.tags))],
  [
    2,
    fromList('wrong-type', [null, true, false, 0, 1, -1, 1.5, 'x', [], {}, [1, 'a'], { a: 1 }] as unknown[]),
  ],
  [
    1,
    fc
      .tuple(fc.constantFrom(100, 1000, 5000, 20_000), fc.constantFrom('array' as const, 'object' as const))
      .map(([depth, shape]) => part(deeplyNested(depth, shape), 'deep-json')),
  ],
  [2, tagged('json-value', fc.jsonValue({ maxDepth: 3 }))],
);

type Mutation =
  | { kind: 'replace'; at: number; value: Part<unknown> }
  | { kind: 'delete'; at: number }
  | { kind: 'add'; at: number; key: string; value: Part<unknown> }
  | { kind: 'wrap'; at: number }
  | { kind: 'poison'; at: number; poison: (s: string) => string; tag: string };

/** Ways to spoil a string attribute that is otherwise valid (so validation passes and it reaches storage). */
const POISONS: { tag: string; poison: (s: string) => string }[] = [
  { tag: 'nul', poison: (s) => `${s}\u0000` },
  { tag: 'nul', poison: (s) => `\u0000${s}` },
  { tag: 'nul', poison: () => '\u0000' },
  { tag: 'percent-nul', poison: (s) => `${s}%00` },
  { tag: 'lone-surrogate', poison: (s) => `${s}\ud800` },
  { tag: 'long-string', poison: (s) => `${s}${'a'.repeat(10_000)}` },
  { tag: 'padded', poison: (s) => ` ${s} ` },
  { tag: 'upper-case', poison: (s) => s.toUpperCase() },
];

const unknownKey = fc.constantFrom(
  'extra',
  '__proto__',
  'constructor',
  'toString',
  '',
  '\u0000',
  'data',
  'a.b',
);

const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  {
    weight: 6,
    arbitrary: fc.record({ kind: fc.constant('replace' as const), at: fc.nat(), value: weirdValue }),
  },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('delete' as const), at: fc.nat() }) },
  {
    weight: 2,
    arbitrary: fc.record({
      kind: fc.constant('add' as const),
      at: fc.nat(),
      key: unknownKey,
      value: weirdValue,
    }),
  },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('wrap' as const), at: fc.nat() }) },
  {
    weight: 5,
    arbitrary: fc
      .tuple(fc.nat(), fc.constantFrom(...POISONS))
      .map(([at, p]): Mutation => ({ kind: 'poison', at, ...p })),
  },
);

/**
 * The places a mutation may hit, each attribute (`data.attributes.*`) three times over: attributes are
 * where requests differ and where defects hide, the envelope around them is checked first and alike.
 */
function mutationSites(value: unknown): JsonPath[] {
  const paths = jsonPaths(value);
  const attributes = paths.filter((p) => p.length === 3 && p[0] === 'data' && p[1] === 'attributes');
  return [...paths, ...attributes, ...attributes];
}

function mutate(value: unknown, m: Mutation): Part<unknown> {
  if (m.kind === 'poison') {
    // Only string leaves: "any JSON string attribute" is where NULs and the like reach the database.
    const strings = mutationSites(value).filter((p) => typeof nodeAt(value, p) === 'string');
    if (strings.length === 0) return part(value);
    const path = strings[m.at % strings.length]!;
    return part(
      updateAt(value, path, (node) => m.poison(node as string)),
      `body:${m.tag}`,
      `body-at:${String(path[path.length - 1] ?? 'root')}`,
    );
  }
  const paths = mutationSites(value);
  const path = paths[m.at % paths.length]!;
  const where = path.length === 0 ? 'root' : String(path[path.length - 1]);
  switch (m.kind) {
    case 'replace':
      return part(
        updateAt(value, path, () => m.value.value),
        ...m.value.tags.map((t) => `body:${t}`),
        `body-at:${where}`,
      );
    case 'delete':
      return part(
        updateAt(value, path, () => undefined),
        'body:missing-key',
      );
    case 'add':
      return part(
        updateAt(value, path, (node) => withKey(node, m.key, m.value.value)),
        ...m.value.tags.map((t) => `body:${t}`),
        'body:extra-key',
      );
    case 'wrap':
      return part(
        updateAt(value, path, (node) => [node]),
        'body:array-for-value',
        `body-at:${where}`,
      );
  }
}

/** Bodies that are not JSON, or JSON of the wrong shape altogether. */
const RAW_BODIES = [
  '',
  ' ',
  '{',
  '}',
  '[',
  'null',
  'true',
  '1',
  '"x"',
  '[]',
  '{}',
  '{"data":',
  '{"data":null}',
  '{"data":[]}',
  '{"data":"x"}',
  '{"data":{"attributes":null}}',
  '{"data":{"attributes":[]}}',
  '{"data":{"attributes":"x"}}',
  '{"data":{"attributes":{"":1}}}',
  '{"a":"\\ud800"}',
  '{"a":"\\u0000"}',
  '{"a":1,"a":2}',
  '{"__proto__":{"x":1}}',
  '{"constructor":{"prototype":{"x":1}}}',
  '\ufeff{}',
  '{"a":1e400}',
  '\u0000',
];

function rawBody(): fc.Arbitrary<Part<string>> {
  return weighted(
    [5, fromList('body:raw', RAW_BODIES)],
    [
      1,
      fc
        .constantFrom(1000, 5000, 20_000)
        .map((n) =>
          part(`{"data":{"attributes":{"ignored":${deeplyNested(n, 'array').text}}}}`, 'body:deep-json'),
        ),
    ],
    [1, fc.constantFrom(5000, 100_000).map((n) => part('['.repeat(n), 'body:deep-unclosed'))],
    [2, tagged('body:text', fc.string({ unit: 'binary', maxLength: 60 }))],
    [
      1,
      tagged(
        'body:bytes',
        fc.uint8Array({ maxLength: 60 }).map((bytes) => Buffer.from(bytes).toString('latin1')),
      ),
    ],
    // Just over the 1 MiB body limit: the 413 path.
    [1, tagged('body:too-large', fc.constant(`{"data":{"x":"${'a'.repeat(1_048_600)}"}}`))],
  );
}

/** Bodies for an operation, by its documented method (a body on GET is rare but possible). */
function bodyFor(op: Operation, ctx: FuzzContext): Moods<Part<string | undefined>> {
  const method = op.method;
  const fromSchema = op.body
    ? valueFromSchema(op.body, ctx)
    : fc.constant({ data: { type: 'x', attributes: { funded_place: true } } });
  // Mostly a documented example as it is (fresh ids and unique values only): with twenty-odd attributes,
  // drawing each from its schema would almost always break one and stop at validation.
  const near = (drawRate: number) =>
    fc.oneof(...op.bodyExamples.map((example) => valueNear(example, op.body, ctx, drawRate)));
  const valid =
    op.bodyExamples.length > 0 ? weighted([4, near(0)], [1, near(20)], [1, fromSchema]) : fromSchema;
  const mutated = fc
    // Mostly one mutation: with several, the first validation error hides what the others would reach.
    .tuple(valid, weighted<Mutation[]>([3, fc.tuple(mutation)], [1, fc.tuple(mutation, mutation)]))
    .map(([value, mutations]) => {
      let current: Part<unknown> = part(value);
      for (const m of mutations) {
        const next = mutate(current.value, m);
        current = part(next.value, ...current.tags, ...next.tags);
      }
      return part<string | undefined>(toJsonText(current.value), ...current.tags);
    });
  const none = fc.constant(part<string | undefined>(undefined));
  const validText = valid.map((v) => part<string | undefined>(toJsonText(v), 'body:valid'));
  if (!op.body) {
    return {
      plain: none,
      wild: weighted<Part<string | undefined>>(
        [method === 'GET' || method === 'DELETE' ? 2 : 1, none],
        [2, mutated],
        [1, validText],
        [2, rawBody()],
      ),
    };
  }
  return {
    plain: validText,
    wild: weighted<Part<string | undefined>>([1, none], [1, validText], [8, mutated], [2, rawBody()]),
  };
}

// ---------------------------------------------------------------------------------------------------------
// Query strings
// ---------------------------------------------------------------------------------------------------------

const PAGE_VALUES = [
  '1',
  '2',
  '0',
  '-1',
  'abc',
  '10abc',
  ' 5',
  '+1',
  '1.5',
  '1e3',
  '0x10',
  '3000',
  '3001',
  '2147483647',
  '2147483648',
  '99999999999999999999',
  '',
  '１',
];

const SORT_VALUES = [
  'created_at',
  '-created_at',
  '%2Bcreated_at',
  '+updated_at',
  '-updated_at,created_at',
  'name',
  '-name',
  'id',
  'x',
  '-',
  ',',
  ',,,',
  '--created_at',
  'created_at;drop',
  'CREATED_AT',
  '__proto__',
  'constructor',
];

/** Whole `key=value` fragments that broke (or nearly broke) query parsing before. */
const ODD_QUERY_FRAGMENTS = [
  'x=%',
  '%=1',
  'x=%zz',
  'x=%E0%A4%A',
  '%00=1',
  'x=%00',
  'filter[cohort]=%',
  'filter[participant_id]=%00',
  'filter[updated_since]=%00',
  'filter[cohort]=2024%00',
  'page[page]=%',
  'page[per_page]=%zz',
  'sort=%',
  'sort=%00',
  'filter=abc',
  'filter=',
  'filter',
  'filter[]=x',
  'filter[][]=x',
  'filter[cohort][]=2024',
  'filter[cohort][x]=1',
  'filter[a][b][c][d][e][f]=1',
  'filter[__proto__][x]=1',
  '__proto__[x]=1',
  'constructor[prototype][x]=1',
  'filter[cohort][99]=1',
  'page=2',
  'page[]=1',
  'page[page][]=1',
  'page[page][x]=1',
  'page[per_page][]=5',
  'page',
  'sort[]=x',
  'sort[x]=1',
  'sort',
  '&&&',
  '=',
  '==',
  '?',
  '[',
  ']',
  'filter[updated_since]=2021-13-45',
  'filter[updated_since]=%252B01:00',
  'filter[updated_since]=9999999-01-01',
  'filter[updated_since]=-000001-01-01T00:00:00Z',
  'filter[created_since]=2021-02-30',
  'filter[cohort]=99999999999999999999',
  'filter[cohort]=-1',
  'filter[cohort]=,,,',
  'filter[participant_id]=,',
  'filter[participant_id]=not-a-uuid',
  'filter[training_status]=x',
  'filter[state]=x',
  'filter[lead_provider_id]=x',
  'filter[from_participant_id]=x',
  'filter[from_participant_id]=%00',
];

function queryPairFor(param: OperationParameter, ctx: FuzzContext): fc.Arbitrary<Part<string>> {
  const name = param.name;
  const properties = (param.schema.properties as Record<string, Schema> | undefined) ?? {};
  const encodedValue = (field: string | undefined, schema: Schema): fc.Arbitrary<Part<string>> =>
    weighted(
      [4, valueFromSchema(schema, ctx, field).map((v) => part(percentEncode(String(v))))],
      [2, nastyString.map((p) => part(percentEncode(p.value), ...p.tags.map((t) => `query:${t}`)))],
      [1, fromList('query:page-value', PAGE_VALUES)],
      [1, tagged('query:raw-value', anyText)],
    );
  if (param.style === 'deepObject' && Object.keys(properties).length > 0) {
    const key = fc.constantFrom(...Object.keys(properties));
    const perKey = Object.keys(properties).map((k) =>
      (name === 'page' ? fromList('query:page-value', PAGE_VALUES) : encodedValue(k, properties[k]!)).map(
        (v) => part(`${name}[${k}]=${v.value}`, ...v.tags),
      ),
    );
    return weighted(
      [6, fc.oneof({ withCrossShrink: true }, ...perKey)],
      [
        1,
        fc
          .tuple(key, fc.constantFrom('[]', '[x]', '[][]', '[0]'), nastyString)
          .map(([k, suffix, v]) => part(`${name}[${k}]${suffix}=${percentEncode(v.value)}`, 'query:nested')),
      ],
      [
        1,
        tagged(
          'query:random-key',
          anyText.map((k) => `${name}[${percentEncode(k)}]=1`),
        ),
      ],
    );
  }
  const values =
    name === 'sort' ? fc.constantFrom(...SORT_VALUES).map((v) => part(v)) : encodedValue(name, param.schema);
  return values.map((v) => part(`${name}=${v.value}`, ...v.tags));
}

/** A documented query parameter with a documented kind of value (`filter[cohort]=2024`, `page[page]=2`). */
function validQueryPair(param: OperationParameter, ctx: FuzzContext): fc.Arbitrary<Part<string>> {
  const properties = (param.schema.properties as Record<string, Schema> | undefined) ?? {};
  if (param.name === 'page')
    return fc.constantFrom('page[page]=1', 'page[page]=2', 'page[per_page]=5').map((v) => part(v));
  if (param.name === 'sort') return fc.constantFrom(...SORT_VALUES.slice(0, 6)).map((v) => part(`sort=${v}`));
  const keys = Object.keys(properties);
  if (param.style === 'deepObject' && keys.length > 0) {
    return fc.oneof(
      ...keys.map((k) =>
        valueFromSchema(properties[k]!, ctx, k).map((v) =>
          part(`${param.name}[${k}]=${percentEncode(String(v))}`),
        ),
      ),
    );
  }
  return valueFromSchema(param.schema, ctx, param.name).map((v) =>
    part(`${param.name}=${percentEncode(String(v))}`),
  );
}

function queryFor(op: Operation, ctx: FuzzContext): Moods<Part<string>> {
  const params = op.parameters.filter((p) => p.in === 'query');
  const none = fc.constant(part(''));
  const plain =
    params.length === 0
      ? none
      : weighted<Part<string>>(
          [3, none],
          [
            2,
            fc
              .array(fc.oneof(...params.map((p) => validQueryPair(p, ctx))), { minLength: 1, maxLength: 2 })
              .map((pairs) => part(`?${pairs.map((p) => p.value).join('&')}`)),
          ],
        );
  return { plain, wild: wildQuery(op, ctx) };
}

function wildQuery(op: Operation, ctx: FuzzContext): fc.Arbitrary<Part<string>> {
  const own = op.parameters.filter((p) => p.in === 'query').map((p) => queryPairFor(p, ctx));
  const anyPage = queryPairFor(
    { name: 'page', in: 'query', style: 'deepObject', schema: { properties: { page: {}, per_page: {} } } },
    ctx,
  );
  // Oversized query strings (431 or 414 before any route code runs) are kept rare: they say little.
  const large = weighted<Part<string>>(
    [
      1,
      tagged(
        'query:many-params',
        fc.constantFrom(201, 1000).map((n) => Array.from({ length: n }, (_, i) => `p${i}=1`).join('&')),
      ),
    ],
    [
      1,
      tagged(
        'query:huge-value',
        fc.constantFrom(10_000, 60_000).map((n) => `x=${'a'.repeat(n)}`),
      ),
    ],
  );
  const pair = weighted<Part<string>>(
    ...own.map((a): [number, fc.Arbitrary<Part<string>>] => [4, a]),
    [6, fromList('query:odd', ODD_QUERY_FRAGMENTS)],
    [2, anyPage],
    [
      2,
      tagged(
        'query:random',
        fc.tuple(anyText, anyText).map(([k, v]) => `${percentEncode(k)}=${percentEncode(v)}`),
      ),
    ],
    [1, large],
  );
  return weighted<Part<string>>(
    [1, fc.constant(part(''))],
    [
      6,
      fc
        .array(pair, { minLength: 1, maxLength: 3 })
        .map((pairs) => part(`?${pairs.map((p) => p.value).join('&')}`, ...pairs.flatMap((p) => p.tags))),
    ],
  );
}

function tokenFor(scope: TokenScope, ctx: FuzzContext): fc.Arbitrary<string> {
  switch (scope) {
    case 'admin':
      return fc.constant(ctx.tokens.admin);
    case 'teacher_record_service':
      return fc.constant(ctx.tokens.teacherRecord);
    default: {
      // Mostly the first provider's, which owns most seeded data; now and then another provider's.
      const [first, ...others] = ctx.tokens.providers;
      return others.length === 0
        ? fc.constant(first!)
        : weighted([6, fc.constant(first!)], [1, fc.constantFrom(...others)]);
    }
  }
}

function authorization(scope: TokenScope, ctx: FuzzContext): fc.Arbitrary<Part<string | undefined>> {
  const own = tokenFor(scope, ctx);
  const anyToken = fc.constantFrom(ctx.tokens.admin, ctx.tokens.teacherRecord, ...ctx.tokens.providers);
  return weighted<Part<string | undefined>>(
    [4, own.map((t) => part<string | undefined>(`Bearer ${t}`))],
    [1, own.map((t) => part<string | undefined>(`Token ${t}`))],
    [1, anyToken.map((t) => part<string | undefined>(`Bearer ${t}`, 'auth:other-scope'))],
    [1, fc.constant(part<string | undefined>(undefined, 'auth:none'))],
    [
      3,
      variantsOf<string, string | undefined>('auth:odd', own, [
        (t) => `Bearer ${t},1`,
        () => `Bearer T,1`,
        (t) => `Token token="${t}"`,
        () => `Token token="T"`,
        (t) => `Token token=${t}, nonce="x"`,
        (t) => `Bearer token="${t}";x=1`,
        (t) => `Bearer ${t} extra`,
        (t) => `Bearer ${t}\t`,
        (t) => `bearer ${t}`,
        () => `Bearer`,
        () => `Bearer `,
        () => `Bearer ""`,
        () => `Bearer ,`,
        () => `Token`,
        () => `Basic dXNlcjpwYXNz`,
        () => `Bearer ${'x'.repeat(10_000)}`,
        (t) => `Bearer ${t}\u0000`,
        () => `Bearer %00`,
        () => `Bearer é`,
        (t) => `Bearer ${t}${t}`,
        () => `Token token="`,
        () => `Token token=""`,
        () => `Bearer \u00ff\u00fe`,
      ]),
    ],
  );
}

const VALID_SERVER_DATES = [
  '2025-10-15T09:00:00Z',
  '2022-01-10T10:42:00Z',
  '2026-06-01T09:00:00Z',
  '2025-10-15',
  '2025-10-15T09:00:00',
  'Wed, 15 Oct 2025 09:00:00 GMT',
];

const SERVER_DATES = [
  ...VALID_SERVER_DATES,
  '',
  ' ',
  'garbage',
  '2025-13-45T99:99:99Z',
  '2025-02-30T00:00:00Z',
  '9999999-01-01T00:00:00Z',
  '+275760-09-13T00:00:00Z',
  '+275760-09-14T00:00:00Z',
  '-000001-01-01T00:00:00Z',
  '0000-00-00',
  '0000-01-01T00:00:00Z',
  '2025-10-15T09:00:00+99:99',
  '2025-10-15T24:00:00Z',
  '2025-10-15T09:00:60Z',
  'Tue, 31 Feb 2025 10:00:00 GMT',
  'Mon, 01 Jan 0000 00:00 GMT',
  'Mon, 99 Foo 2025 10:00:00 GMT',
  '1e10',
  '1760518800',
  'now',
  '2025-10-15T09:00:00.123456789Z',
  `2025-10-15T09:00:00Z${'0'.repeat(1000)}`,
  '2025-10-15T09:00:00\u0000Z',
];

const CONTENT_TYPES = [
  'application/json; charset=utf-8',
  'application/json; charset=utf-16',
  'application/json; charset=latin1',
  'application/json; charset=nonsense',
  'application/json;',
  'application/json; boundary="',
  'APPLICATION/JSON',
  'application/json, text/plain',
  'application/vnd.api+json',
  'text/x-json',
  'application/jsonrequest',
  'text/plain',
  'text/html',
  'multipart/form-data; boundary=x',
  'application/x-www-form-urlencoded',
  'application/octet-stream',
  '*/*',
  '',
  ';',
  'json',
  'application/',
  '/json',
];

const EXTRA_HEADERS: [string, string][] = [
  ['accept', 'text/html'],
  ['accept', '*/*'],
  ['accept', 'application/xml'],
  ['accept-encoding', 'gzip, br'],
  ['x-request-id', ''],
  ['x-request-id', 'x'.repeat(10_000)],
  ['x-request-id', '../../etc'],
  ['x-npq-scope', 'admin'],
  ['x-npq-internal-secret', 'x'],
  ['x-npq-lead-provider-id', '00000000-0000-0000-0000-000000000000'],
  ['x-npq-now', 'garbage'],
  ['content-encoding', 'gzip'],
  ['content-encoding', 'identity'],
  ['x-forwarded-for', '1.2.3.4, garbage'],
  ['x-http-method-override', 'DELETE'],
  ['if-none-match', '*'],
  ['range', 'bytes=0-1'],
  ['expect', '100-continue'],
  ['cookie', 'a=b'],
  ['origin', 'null'],
];

interface HeaderParts {
  headers: [string, string][];
  tags: string[];
}

/**
 * The headers of a request; which Content-Type is likely depends on whether there is a body, so both
 * choices are drawn and `hasBody` picks one (no `chain`, see `variantsOf`).
 */
function headersFor(op: Operation, ctx: FuzzContext): Moods<(hasBody: boolean) => HeaderParts> {
  const plain = fc
    .record({
      token: tokenFor(op.scope, ctx),
      // Now and then a valid sandbox clock: some rules (schedules, cut-offs) only apply at some dates.
      serverDate: weighted<string | undefined>(
        [4, fc.constant(undefined)],
        [1, fc.constantFrom(...VALID_SERVER_DATES)],
      ),
    })
    .map(({ token, serverDate }) => (hasBody: boolean): HeaderParts => {
      const headers: [string, string][] = [['authorization', `Bearer ${token}`]];
      if (serverDate !== undefined) headers.push(['x-with-server-date', serverDate]);
      if (hasBody) headers.push(['content-type', 'application/json']);
      return { headers, tags: [] };
    });
  return { plain, wild: wildHeaders(op, ctx) };
}

function wildHeaders(op: Operation, ctx: FuzzContext): fc.Arbitrary<(hasBody: boolean) => HeaderParts> {
  const serverDate = weighted<Part<string | undefined>>(
    [3, fc.constant(part<string | undefined>(undefined))],
    [4, fromList('server-date', SERVER_DATES as (string | undefined)[])],
    [1, tagged<string | undefined>('server-date:random', anyText)],
  );
  const typeWithBody = weighted<Part<string | undefined>>(
    [8, fc.constant(part<string | undefined>('application/json'))],
    [3, fromList('content-type', CONTENT_TYPES as (string | undefined)[])],
    [1, fc.constant(part<string | undefined>(undefined, 'content-type:none'))],
  );
  const typeWithoutBody = weighted<Part<string | undefined>>(
    [10, fc.constant(part<string | undefined>(undefined))],
    [1, fromList('content-type', CONTENT_TYPES as (string | undefined)[])],
  );
  const extras = weighted<Part<[string, string][]>>(
    [4, fc.constant(part<[string, string][]>([]))],
    [2, fc.subarray(EXTRA_HEADERS, { minLength: 1, maxLength: 3 }).map((h) => part(h, 'header:extra'))],
    [
      1,
      tagged(
        'header:duplicate-date',
        fc.constant<[string, string][]>([
          ['x-with-server-date', '2025-10-15T09:00:00Z'],
          ['x-with-server-date', 'garbage'],
        ]),
      ),
    ],
  );
  return fc
    .record({ auth: authorization(op.scope, ctx), serverDate, typeWithBody, typeWithoutBody, extras })
    .map((parts) => (hasBody: boolean) => {
      const type = hasBody ? parts.typeWithBody : parts.typeWithoutBody;
      const headers: [string, string][] = [];
      if (parts.auth.value !== undefined) headers.push(['authorization', parts.auth.value]);
      if (parts.serverDate.value !== undefined) headers.push(['x-with-server-date', parts.serverDate.value]);
      if (type.value !== undefined) headers.push(['content-type', type.value]);
      headers.push(...parts.extras.value);
      return {
        headers,
        tags: [...parts.auth.tags, ...parts.serverDate.tags, ...type.tags, ...parts.extras.tags],
      };
    });
}

// ---------------------------------------------------------------------------------------------------------
// Requests
// ---------------------------------------------------------------------------------------------------------

const STANDARD_METHODS = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'HEAD', 'OPTIONS'];

/** node:http writes these as given; anything else (an unknown verb, a bad byte) goes over a raw socket. */
const HTTP_SAFE_TARGET = /^[\u0021-\u00ff]*$/;
const HTTP_SAFE_HEADER_VALUE = /^[\t\u0020-\u007e\u0080-\u00ff]*$/;
/**
 * Past these sizes the server may answer (431, 413) and close before it has read the whole request;
 * node:http then reports the reset instead of the answer, so these go over a raw socket too.
 */
const LARGE_HEAD = 8 * 1024;
const LARGE_BODY = 64 * 1024;

function needsRawSocket(
  method: string,
  target: string,
  headers: [string, string][],
  body: string | undefined,
): boolean {
  const headSize = headers.reduce((n, [name, value]) => n + name.length + value.length + 4, target.length);
  return (
    !STANDARD_METHODS.includes(method) ||
    !HTTP_SAFE_TARGET.test(target) ||
    headers.some(([, value]) => !HTTP_SAFE_HEADER_VALUE.test(value)) ||
    headSize > LARGE_HEAD ||
    (body?.length ?? 0) > LARGE_BODY
  );
}

/** The HTTP/1.1 bytes of a request (Host, Content-Length and `Connection: close` added). */
export function rawRequestText(
  method: string,
  target: string,
  headers: [string, string][],
  body?: string,
): string {
  const lines = [`${method} ${target} HTTP/1.1`, 'host: 127.0.0.1', 'connection: close'];
  for (const [name, value] of headers) lines.push(`${name}: ${value}`);
  if (body !== undefined) lines.push(`content-length: ${Buffer.byteLength(body, 'utf8')}`);
  return `${lines.join('\r\n')}\r\n\r\n${body ?? ''}`;
}

function finish(
  operation: string,
  method: string,
  target: string,
  headers: [string, string][],
  body: string | undefined,
  tags: string[],
): FuzzRequest {
  const raw = needsRawSocket(method, target, headers, body)
    ? rawRequestText(method, target, headers, body)
    : undefined;
  return { operation, method, target, headers, body, raw, tags: [...new Set(tags)] };
}

function methodFor(op: Operation): Moods<Part<string>> {
  const own = fc.constant(part(op.method));
  return { plain: own, wild: wildMethod(own) };
}

function wildMethod(own: fc.Arbitrary<Part<string>>): fc.Arbitrary<Part<string>> {
  return weighted(
    [1, own],
    [3, fromList('method:other', STANDARD_METHODS)],
    [
      2,
      fromList('method:unknown', ['TRACE', 'PROPFIND', 'FOO', 'get', 'M-SEARCH', 'PURGE', 'QUERY', 'LINK']),
    ],
  );
}

type Dimension = 'method' | 'path' | 'query' | 'headers' | 'body';

/**
 * Requests derived from one operation of the document: its path, parameters, token scope and body schema.
 * Most requests attack one dimension and keep the others plain (a garbage header would hide a body defect
 * behind its 400); some attack everything at once, and every plain dimension still goes wild now and then.
 */
function operationRequest(op: Operation, ctx: FuzzContext): fc.Arbitrary<FuzzRequest> {
  const pathParams = op.parameters.filter((p) => p.in === 'path');
  const kinds = pathParams.map((p) => idKindOfPath(op.path, p.name));
  const identity = part((p: string) => p);
  const pathShape = weighted<Part<(path: string) => string>>(
    [6, fc.constant(identity)],
    [
      2,
      fromList('path-shape', [
        (p: string) => `${p}/`,
        (p: string) => `${p}.json`,
        (p: string) => `${p}.`,
        (p: string) => `${p}/..`,
        (p: string) => `${p}/%2e%2e`,
        (p: string) => `${p}/.`,
        (p: string) => `${p}%00`,
        (p: string) => `${p}%`,
        (p: string) => p.replace(/\//g, '//'),
        (p: string) => p.replace('/api/', '/api/./'),
        (p: string) => p.replace('/api/', '/api/x/../'),
        (p: string) => p.replace('/api/', '/%61pi/'),
        (p: string) => p.toUpperCase(),
      ]),
    ],
  );
  const path: Moods<{ segments: Part<string>[]; shape: Part<(path: string) => string> }> = {
    plain: fc.record({
      segments: fc.tuple(
        ...kinds.map((kind) =>
          weighted([4, tagged('real-id', realId(ctx, kind))], [1, tagged('random-uuid', fc.uuid())]),
        ),
      ),
      shape: fc.constant(identity),
    }),
    wild: fc.record({
      segments: fc.tuple(...kinds.map((kind) => pathSegment(ctx, kind))),
      shape: pathShape,
    }),
  };
  const moods = {
    method: methodFor(op),
    path,
    query: queryFor(op, ctx),
    headers: headersFor(op, ctx),
    body: bodyFor(op, ctx),
  };
  const pick = <T>(m: Moods<T>, wild: boolean) => (wild ? m.wild : weighted([19, m.plain], [1, m.wild]));
  const variant = (...wild: Dimension[]) =>
    fc
      .record({
        method: pick(moods.method, wild.includes('method')),
        path: pick(moods.path, wild.includes('path')),
        query: pick(moods.query, wild.includes('query')),
        headers: pick(moods.headers, wild.includes('headers')),
        body: pick(moods.body, wild.includes('body')),
      })
      .map(({ method, path: { segments, shape }, query, headers: headersWith, body }) => {
        let i = 0;
        const target = `${shape.value(op.path.replace(/\{\w+\}/g, () => segments[i++]!.value))}${query.value}`;
        const headers = headersWith(body.value !== undefined);
        return finish(op.id, method.value, target, headers.headers, body.value, [
          ...method.tags,
          ...segments.flatMap((v) => v.tags.map((t) => (t.startsWith('path') ? t : `path:${t}`))),
          ...shape.tags,
          ...query.tags,
          ...body.tags,
          ...headers.tags,
        ]);
      });
  return weighted<FuzzRequest>(
    // First, so that shrinking tries it: everything plain.
    [1, variant()],
    [op.body ? 10 : 1, variant('body')],
    [pathParams.length > 0 ? 4 : 1, variant('path')],
    [3, variant('query')],
    [3, variant('headers')],
    [1, variant('method')],
    [2, variant('method', 'path', 'query', 'headers', 'body')],
  );
}

/** Paths outside the document: unknown routes, health, metrics, the docs and their static files. */
function unroutedRequest(ctx: FuzzContext): fc.Arbitrary<FuzzRequest> {
  const paths = fc.constantFrom(
    '/',
    '/api',
    '/api/v3',
    '/api/v3/',
    '/api/v3/nope',
    '/api/v2/npq-applications',
    '/admin/v1',
    '/admin/v1/nope',
    '/api/docs/v3',
    '/api/docs/v3/',
    '/api/docs/v3/json',
    '/api/docs/v3/yaml',
    '/api/docs/v3/swagger.yaml',
    '/api/docs/v3/static/index.html',
    '/api/docs/v3/static/nope.js',
    '/api/docs/v3/static/%2e%2e/%2e%2e/package.json',
    '/api/docs/v3/static/..%2f..%2fpackage.json',
    '/api/docs/v3/%00',
    '/api/docs/v3/%',
    '/health/live',
    '/health/ready',
    '/metrics',
    '/favicon.ico',
    '/%',
    '/%00',
    '/..',
    '/api/v3/%2e%2e/admin/v1/lead-providers',
    '/api/teacher-record-service/v1/qualifications',
    '/api/teacher-record-service/v1/qualifications/',
  );
  return fc
    .record({
      path: paths,
      method: fc.constantFrom(...STANDARD_METHODS),
      query: wildQuery(
        {
          id: 'unrouted',
          method: 'GET',
          path: '/',
          parameters: [],
          body: undefined,
          bodyExamples: [],
          scope: 'none',
        },
        ctx,
      ),
      auth: authorization('lead_provider', ctx),
    })
    .map(({ path, method, query, auth }) =>
      finish(
        'unrouted',
        method,
        `${path}${query.value}`,
        auth.value === undefined ? [] : [['authorization', auth.value]],
        undefined,
        ['unrouted', ...query.tags, ...auth.tags],
      ),
    );
}

/**
 * Requests that node:http (or any well-behaved client) would never write: malformed request lines,
 * unknown methods, oversized or invalid headers, broken framing. Written byte for byte on a socket.
 */
function protocolRequest(ctx: FuzzContext): fc.Arbitrary<FuzzRequest> {
  const list = ctx.operations.filter((op) => op.method === 'GET' && !op.path.includes('{'));
  const target = fc.constantFrom(...list).map((op) => op.path);
  const auth = fc.constantFrom(...ctx.tokens.providers).map((t) => `Bearer ${t}`);
  type Raw = { text: string; tag: string };
  const line = (method: string, t: string, version = 'HTTP/1.1') => `${method} ${t} ${version}`;
  const build = (requestLine: string, headers: string[], body = ''): string =>
    `${[requestLine, ...headers].join('\r\n')}\r\n\r\n${body}`;
  const casesFor = (t: string, a: string): Raw[] => {
    const base = ['host: 127.0.0.1', 'connection: close', `authorization: ${a}`];
    return [
      { text: build(line('FOO', t), base), tag: 'raw:unknown-method' },
      { text: build(line('GE T', t), base), tag: 'raw:bad-method' },
      { text: build(line('get', t), base), tag: 'raw:lowercase-method' },
      { text: build(line('PRI', t), base), tag: 'raw:unknown-method' },
      { text: build(line('CONNECT', '127.0.0.1:80'), base), tag: 'raw:connect' },
      { text: build(line('X'.repeat(1000), t), base), tag: 'raw:long-method' },
      { text: build(line('GET', t, 'HTTP/1.2'), base), tag: 'raw:bad-version' },
      { text: build(line('GET', t, 'HTTP/2.0'), base), tag: 'raw:bad-version' },
      { text: build(line('GET', t, 'HTTP/1.0'), base), tag: 'raw:http-1.0' },
      { text: build(`GET ${t}`, base), tag: 'raw:no-version' },
      { text: build(line('GET', '*'), base), tag: 'raw:asterisk-target' },
      { text: build(line('GET', `http://127.0.0.1${t}`), base), tag: 'raw:absolute-target' },
      { text: build(line('GET', t.slice(1)), base), tag: 'raw:relative-target' },
      { text: build(line('GET', `${t}#frag`), base), tag: 'raw:fragment' },
      { text: build(line('GET', `${t}/a b`), base), tag: 'raw:space-in-target' },
      { text: build(line('GET', `${t}\u0000`), base), tag: 'raw:nul-in-target' },
      { text: build(line('GET', `${t}?x=${'a'.repeat(20_000)}`), base), tag: 'raw:long-target' },
      { text: build(line('GET', t), [...base, `x-big: ${'a'.repeat(20_000)}`]), tag: 'raw:oversized-header' },
      {
        text: build(line('GET', t), [...base, `x-big: ${'a'.repeat(100_000)}`]),
        tag: 'raw:oversized-header',
      },
      {
        text: build(line('GET', t), [...base, ...Array.from({ length: 2500 }, (_, i) => `x-h${i}: 1`)]),
        tag: 'raw:many-headers',
      },
      { text: build(line('GET', t), [...base, 'no-colon-here']), tag: 'raw:malformed-header' },
      { text: build(line('GET', t), [...base, 'bad name: 1']), tag: 'raw:malformed-header' },
      { text: build(line('GET', t), [...base, 'x-nul: a\u0000b']), tag: 'raw:nul-in-header' },
      { text: build(line('GET', t), [...base, 'x-fold: a', ' folded']), tag: 'raw:obs-fold' },
      { text: build(line('GET', t), ['connection: close', `authorization: ${a}`]), tag: 'raw:no-host' },
      { text: build(line('GET', t), [...base, 'host: other']), tag: 'raw:duplicate-host' },
      { text: build(line('GET', t), [...base, 'expect: x-nonsense']), tag: 'raw:expect' },
      {
        text: build(
          line('POST', '/api/v3/participant-declarations'),
          [...base, 'content-type: application/json', 'content-length: 2', 'content-length: 3'],
          '{}',
        ),
        tag: 'raw:duplicate-content-length',
      },
      {
        text: build(
          line('POST', '/api/v3/participant-declarations'),
          [...base, 'content-type: application/json', 'content-length: abc'],
          '{}',
        ),
        tag: 'raw:bad-content-length',
      },
      {
        text: build(
          line('POST', '/api/v3/participant-declarations'),
          [...base, 'content-type: application/json', 'content-length: 2', 'transfer-encoding: chunked'],
          '2\r\n{}\r\n0\r\n\r\n',
        ),
        tag: 'raw:cl-and-te',
      },
      {
        text: build(
          line('POST', '/api/v3/participant-declarations'),
          [...base, 'content-type: application/json', 'transfer-encoding: chunked'],
          'zz\r\n{}\r\n0\r\n\r\n',
        ),
        tag: 'raw:bad-chunk',
      },
      {
        text: build(
          line('POST', '/api/v3/participant-declarations'),
          [...base, 'content-type: application/json', 'transfer-encoding: gzip'],
          '{}',
        ),
        tag: 'raw:unknown-transfer-encoding',
      },
      {
        text: build(
          line('POST', '/api/v3/participant-declarations'),
          [...base, 'content-type: application/json', 'content-length: 1'],
          '{}',
        ),
        tag: 'raw:short-content-length',
      },
    ];
  };
  const count = casesFor('/', '').length;
  const variants = fc.tuple(target, auth, fc.nat({ max: count - 1 })).map(([t, a, i]) => casesFor(t, a)[i]!);
  return variants.map(({ text, tag }) => {
    const [requestLine = ''] = text.split('\r\n');
    const [method = '', target2 = ''] = requestLine.split(' ');
    return {
      operation: 'raw-protocol',
      method,
      target: target2,
      headers: [],
      body: undefined,
      raw: text,
      tags: [tag],
    };
  });
}

/**
 * Every request the fuzzer sends: mostly operations of the OpenAPI document (equally likely, so new
 * routes get their share), plus unknown paths and hand-written protocol abuse.
 */
export function fuzzRequest(ctx: FuzzContext): fc.Arbitrary<FuzzRequest> {
  // Unbiased: fast-check's bias favours the first few values of every list and the smallest numbers,
  // which would mutate the first attribute of a body far more often than the twentieth.
  const request = weighted<FuzzRequest>(
    [16, fc.oneof(...ctx.operations.map((op) => operationRequest(op, ctx)))],
    [1, unroutedRequest(ctx)],
    [1, protocolRequest(ctx)],
  );
  return fc.noBias(request);
}
