import fc from 'fast-check';
import { loadOperations } from './openapi-operations';
import { fuzzRequest, type FuzzContext, type FuzzRequest } from './request-generators';

/**
 * The generators must keep producing every class of input that once gave a 500 (the issue "Hardening: no
 * 5xx from any client input" lists them), so that the seeded slice and the long run can find a regression.
 * No server here: 10,000 requests are generated and each class must appear.
 */
const uuid = (n: number) => `${String(n).padStart(8, '0')}-0000-4000-8000-000000000000`;
const ctx: FuzzContext = {
  operations: loadOperations(),
  ids: {
    applications: [uuid(1), uuid(2)],
    participants: [uuid(3), uuid(4)],
    declarations: [uuid(5)],
    outcomes: [uuid(6)],
    statements: [uuid(7)],
    deliveryPartners: [uuid(8)],
    leadProviders: [uuid(9)],
    apiTokens: [uuid(10)],
    outcomeDeliveries: [uuid(11)],
    trns: ['1234567'],
  },
  tokens: { providers: ['provider-token'], admin: 'admin-token', teacherRecord: 'trs-token' },
};

const requests = fc.sample(fuzzRequest(ctx), { seed: 42, numRuns: 10_000 });

const pathOf = (r: FuzzRequest) => r.target.split('?')[0]!;
const queryOf = (r: FuzzRequest) => r.target.split('?').slice(1).join('?');
const header = (r: FuzzRequest, name: string) => r.headers.find(([n]) => n === name)?.[1];
const parsedAttributes = new Map<FuzzRequest, Record<string, unknown> | undefined>();
/** `data.attributes` of a JSON body (parsed once per request: some bodies are a megabyte). */
const attributes = (r: FuzzRequest): Record<string, unknown> | undefined => {
  if (!parsedAttributes.has(r)) {
    let found: Record<string, unknown> | undefined;
    try {
      found = (JSON.parse(r.body ?? '') as { data?: { attributes?: Record<string, unknown> } })?.data
        ?.attributes;
    } catch {
      found = undefined;
    }
    parsedAttributes.set(r, found);
  }
  return parsedAttributes.get(r);
};
const stringAttributeWithNul = (op: string) => (r: FuzzRequest) =>
  r.operation === op &&
  Object.values(attributes(r) ?? {}).some((v) => typeof v === 'string' && v.includes('\u0000'));
const MALFORMED_ESCAPE = /%(?![0-9A-Fa-f]{2})/;

const CLASSES: [string, (r: FuzzRequest) => boolean][] = [
  ['a malformed percent-escape in the query (?x=%)', (r) => MALFORMED_ESCAPE.test(queryOf(r))],
  ['a malformed percent-escape in a path id', (r) => MALFORMED_ESCAPE.test(pathOf(r))],
  ['a .. segment as an id', (r) => pathOf(r).split('/').includes('..')],
  ['a %2e%2e segment as an id', (r) => pathOf(r).toLowerCase().split('/').includes('%2e%2e')],
  ['a %2e segment as an id', (r) => pathOf(r).toLowerCase().split('/').includes('%2e')],
  [
    'a 5,000-deep JSON body under an ignored key',
    (r) => (r.body ?? '').includes('"ignored":' + '['.repeat(5000)),
  ],
  [
    'a NUL in a path parameter',
    (r) => r.operation !== 'unrouted' && (pathOf(r).includes('%00') || pathOf(r).includes('\u0000')),
  ],
  ['a NUL in a query value', (r) => /=[^&]*%00/.test(queryOf(r))],
  ['a NUL in an admin intake string attribute', stringAttributeWithNul('adminCreateNpqApplication')],
  ['a NUL in an admin participant update attribute', stringAttributeWithNul('adminUpdateParticipant')],
  ['a NUL in a delivery partner name', stringAttributeWithNul('adminCreateDeliveryPartner')],
  [
    'a non-UUID into_participant_id in an admin merge',
    (r) => {
      const id = attributes(r)?.into_participant_id;
      return r.operation === 'adminMergeParticipant' && typeof id === 'string' && !/^[0-9a-f-]{36}$/.test(id);
    },
  ],
  ['a number beyond double range', (r) => (r.body ?? '').includes('1e400')],
  [
    'an attribute of the wrong JSON type',
    (r) => Object.values(attributes(r) ?? {}).some((v) => typeof v === 'number'),
  ],
  ['an array where an object is expected', (r) => /^\{"data":\[|"attributes":\[/.test(r.body ?? '')],
  [
    'an id over 200 characters',
    (r) =>
      pathOf(r)
        .split('/')
        .some((s) => s.length > 200),
  ],
  ['a non-numeric page value', (r) => /page\]=(abc|10abc|-1|0)(&|$)/.test(queryOf(r))],
  ['a filter that is not an object', (r) => /(^|&)filter(=|\[\]=)/.test(queryOf(r))],
  ['an odd sort', (r) => /(^|&)sort(\[|=(,|-|x|__proto__))/.test(queryOf(r))],
  [
    'an odd Content-Type with a body',
    (r) => r.body !== undefined && header(r, 'content-type') === 'text/plain',
  ],
  ['Authorization: Bearer T,1', (r) => header(r, 'authorization') === 'Bearer T,1'],
  ['Authorization: Token token="T"', (r) => header(r, 'authorization') === 'Token token="T"'],
  ['a garbage X-With-Server-Date', (r) => header(r, 'x-with-server-date') === 'garbage'],
  ['an unknown method (raw socket)', (r) => r.raw !== undefined && /^(FOO|PROPFIND|QUERY) /.test(r.raw)],
  ['an oversized header (raw socket)', (r) => r.tags.includes('raw:oversized-header')],
  [
    'a request-line node:http cannot write (raw socket)',
    (r) => r.raw !== undefined && r.raw.includes('\u0000'),
  ],
];

describe('the fuzzer generates every known class of dangerous input', () => {
  it.each(CLASSES)('%s', (_name, matches) => {
    expect(requests.filter(matches).length).toBeGreaterThan(0);
  });

  it('covers every operation of the OpenAPI document', () => {
    const seen = new Set(requests.map((r) => r.operation));
    expect(ctx.operations.map((op) => op.id).filter((id) => !seen.has(id))).toEqual([]);
  });

  it('mixes real ids, random UUIDs and garbage in path parameters', () => {
    const tags = requests.flatMap((r) => r.tags);
    for (const tag of ['path:real-id', 'path:random-uuid', 'path-escape', 'path-dots', 'path-nul'])
      expect(tags).toContain(tag);
  });
});
