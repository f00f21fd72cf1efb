import Ajv2020 from 'ajv/dist/2020';
import addFormats from 'ajv-formats';
import { loadOpenApiDocument } from '../src/openapi';

// The OpenAPI document is the source of truth for the HTTP API. These tests pin the facts of DfE's API
// that a wire-compatible client depends on (docs/compatibility.md): routes, success codes, resource
// `type` values, attribute names, order and nullability, and the error envelopes.

type Json = Record<string, unknown>;

const doc = loadOpenApiDocument();
const HTTP_METHODS = ['get', 'put', 'post', 'delete', 'patch', 'options', 'head', 'trace'] as const;

const ajv = new Ajv2020({ strict: false, allErrors: true });
addFormats(ajv);
ajv.addSchema(doc, 'openapi');

const pointer = (...parts: string[]): string =>
  parts.map((part) => part.replace(/~/g, '~0').replace(/\//g, '~1')).join('/');

const validatorFor = (schemaName: string) =>
  ajv.getSchema(`openapi#/components/schemas/${schemaName}`) ??
  ajv.compile({ $ref: `openapi#/components/schemas/${schemaName}` });

function errorsOf(schemaName: string, value: unknown): string[] {
  const validate = validatorFor(schemaName);
  return validate(value) ? [] : (validate.errors ?? []).map((e) => `${e.instancePath} ${e.message ?? ''}`);
}

function resolve(node: unknown): Json {
  let current = node as Json;
  while (current && typeof current.$ref === 'string') {
    const path = current.$ref.replace(/^#\//, '').split('/');
    current = path.reduce<unknown>(
      (acc, part) => (acc as Json)[part.replace(/~1/g, '/').replace(/~0/g, '~')],
      doc,
    ) as Json;
  }
  return current;
}

function operation(method: string, path: string): Json {
  const item = doc.paths[path];
  if (!item) throw new Error(`path ${path} is missing`);
  const op = item[method] as Json | undefined;
  if (!op) throw new Error(`${method.toUpperCase()} ${path} is missing`);
  return op;
}

function allOperations(): Array<{ method: string; path: string; op: Json }> {
  return Object.entries(doc.paths).flatMap(([path, item]) =>
    HTTP_METHODS.filter((m) => item[m]).map((method) => ({ method, path, op: item[method] as Json })),
  );
}

const clone = <T>(value: T): T => JSON.parse(JSON.stringify(value)) as T;

// ------------------------------------------------------------------------------------------------
// Routes
// ------------------------------------------------------------------------------------------------

const V3_ROUTES: Array<[string, string, string]> = [
  ['get', '/api/v3/npq-applications', '200'],
  ['get', '/api/v3/npq-applications/{id}', '200'],
  ['post', '/api/v3/npq-applications/{id}/accept', '200'],
  ['post', '/api/v3/npq-applications/{id}/reject', '200'],
  ['put', '/api/v3/npq-applications/{id}/change-funded-place', '200'],
  ['get', '/api/v3/participants/npq/outcomes', '200'],
  ['get', '/api/v3/participants/npq', '200'],
  ['get', '/api/v3/participants/npq/{id}', '200'],
  ['put', '/api/v3/participants/npq/{id}/change-schedule', '200'],
  ['put', '/api/v3/participants/npq/{id}/defer', '200'],
  ['put', '/api/v3/participants/npq/{id}/resume', '200'],
  ['put', '/api/v3/participants/npq/{id}/withdraw', '200'],
  ['get', '/api/v3/participants/npq/{id}/outcomes', '200'],
  ['post', '/api/v3/participants/npq/{id}/outcomes', '200'],
  ['get', '/api/v3/participant-declarations', '200'],
  ['post', '/api/v3/participant-declarations', '200'],
  ['get', '/api/v3/participant-declarations/{id}', '200'],
  ['put', '/api/v3/participant-declarations/{id}/void', '200'],
  ['put', '/api/v3/participant-declarations/{id}/change-delivery-partner', '200'],
  ['get', '/api/v3/statements', '200'],
  ['get', '/api/v3/statements/{id}', '200'],
  ['get', '/api/v3/delivery-partners', '200'],
  ['get', '/api/v3/delivery-partners/{id}', '200'],
];

const ADMIN_ROUTES: Array<[string, string, string]> = [
  ['get', '/admin/v1/lead-providers', '200'],
  ['post', '/admin/v1/lead-providers/{id}/api-tokens', '201'],
  ['post', '/admin/v1/teacher-record-service/api-tokens', '201'],
  ['get', '/admin/v1/api-tokens', '200'],
  ['delete', '/admin/v1/api-tokens/{id}', '204'],
  ['post', '/admin/v1/npq-applications', '201'],
  ['patch', '/admin/v1/participants/{id}', '200'],
  ['post', '/admin/v1/participants/{id}/merge', '200'],
  ['get', '/admin/v1/delivery-partners', '200'],
  ['post', '/admin/v1/delivery-partners', '201'],
  ['post', '/admin/v1/delivery-partners/{id}/partnerships', '201'],
  ['get', '/admin/v1/statements', '200'],
  ['get', '/admin/v1/statements/{id}', '200'],
  ['post', '/admin/v1/statements/{id}/authorise-payment', '202'],
  ['post', '/admin/v1/finance/statement-cutoffs', '200'],
  ['get', '/admin/v1/outcome-deliveries', '200'],
  ['get', '/admin/v1/outcome-deliveries/{id}/attempts', '200'],
  ['post', '/admin/v1/outcome-deliveries/{id}/retry', '202'],
  ['post', '/admin/v1/sandbox/reset', '200'],
  ['get', '/admin/v1/webhook-subscriptions', '200'],
  ['post', '/admin/v1/webhook-subscriptions/{id}/disable', '200'],
  // The ops console's additions (docs/operations.md, "Admin API for operators").
  ['get', '/admin/v1/system/status', '200'],
  ['get', '/admin/v1/parked-messages', '200'],
  ['get', '/admin/v1/parked-messages/{id}', '200'],
  ['post', '/admin/v1/parked-messages/{id}/redrive', '200'],
  ['post', '/admin/v1/parked-messages/{id}/discard', '200'],
  ['get', '/admin/v1/statements/{id}/breakdown', '200'],
  ['get', '/admin/v1/statements/{id}/declarations', '200'],
  ['get', '/admin/v1/participants', '200'],
  ['get', '/admin/v1/participants/{id}', '200'],
  ['get', '/admin/v1/participants/{id}/declarations', '200'],
  ['get', '/admin/v1/participants/{id}/merge-preview', '200'],
  ['post', '/admin/v1/outcome-deliveries/retry-failed', '202'],
];

/** This platform's own provider routes (docs/webhooks.md): a path of their own, no DfE route changed. */
const WEBHOOK_ROUTES: Array<[string, string, string]> = [
  ['get', '/api/v3/webhook-subscriptions', '200'],
  ['post', '/api/v3/webhook-subscriptions', '201'],
  ['get', '/api/v3/webhook-subscriptions/{id}', '200'],
  ['delete', '/api/v3/webhook-subscriptions/{id}', '204'],
  ['post', '/api/v3/webhook-subscriptions/{id}/rotate-secret', '200'],
  ['post', '/api/v3/webhook-subscriptions/{id}/ping', '202'],
  ['get', '/api/v3/webhook-subscriptions/{id}/deliveries', '200'],
  ['get', '/api/v3/webhook-subscriptions/{id}/deliveries/{delivery_id}/attempts', '200'],
  ['post', '/api/v3/webhook-subscriptions/{id}/deliveries/{delivery_id}/redeliver', '202'],
];
const isWebhookPath = (path: string): boolean => path.startsWith('/api/v3/webhook-subscriptions');

describe('OpenAPI document: shape', () => {
  it('is OpenAPI 3.1.0 with the expected title and version', () => {
    expect(doc.openapi).toBe('3.1.0');
    expect(doc.info.title).toBe('NPQ Lead Provider API');
    expect(doc.info.version).toBe('3.0.0');
  });

  it('uses HTTP bearer security by default', () => {
    const schemes = doc.components.securitySchemes as Record<string, Json>;
    const requirements = doc.security as Array<Record<string, unknown>>;
    expect(requirements).toEqual([{ leadProviderToken: [] }]);
    expect(schemes.leadProviderToken).toMatchObject({ type: 'http', scheme: 'bearer' });
    expect(schemes.teacherRecordServiceToken).toMatchObject({ type: 'http', scheme: 'bearer' });
    expect(schemes.adminToken).toMatchObject({ type: 'http', scheme: 'bearer' });
  });

  it('never uses the OpenAPI 3.0 `nullable` keyword', () => {
    expect(JSON.stringify(doc)).not.toMatch(/"nullable":/);
  });

  it("has exactly the 23 v3 routes of DfE's API, with their success codes", () => {
    for (const [method, path, success] of V3_ROUTES) {
      const responses = operation(method, path).responses as Json;
      expect(Object.keys(responses).filter((code) => code.startsWith('2'))).toEqual([success]);
    }
    const v3Operations = allOperations().filter(
      ({ path }) => path.startsWith('/api/v3/') && !isWebhookPath(path),
    );
    expect(v3Operations).toHaveLength(23);
  });

  it('has the webhook routes under their own path, tagged Webhooks, with the lead provider token', () => {
    for (const [method, path, success] of WEBHOOK_ROUTES) {
      const op = operation(method, path);
      expect(Object.keys(op.responses as Json).filter((code) => code.startsWith('2'))).toEqual([success]);
      expect(op.tags).toEqual(['Webhooks']);
      expect(op.security).toBeUndefined();
    }
    expect(allOperations().filter(({ path }) => isWebhookPath(path))).toHaveLength(WEBHOOK_ROUTES.length);
  });

  it('registers the static outcomes path before the participant {id} path', () => {
    const paths = Object.keys(doc.paths);
    expect(paths.indexOf('/api/v3/participants/npq/outcomes')).toBeGreaterThanOrEqual(0);
    expect(paths.indexOf('/api/v3/participants/npq/outcomes')).toBeLessThan(
      paths.indexOf('/api/v3/participants/npq/{id}'),
    );
  });

  it('has the admin routes with their success codes, tagged admin and secured by the admin token', () => {
    for (const [method, path, success] of ADMIN_ROUTES) {
      const op = operation(method, path);
      expect(Object.keys(op.responses as Json).filter((code) => code.startsWith('2'))).toEqual([success]);
      expect(op.tags).toEqual(['admin']);
      expect(op.security).toEqual([{ adminToken: [] }]);
      expect(resolve((op.responses as Json)['401'])).toBe(
        resolve({ $ref: '#/components/responses/Unauthorised' }),
      );
    }
    expect(allOperations().filter(({ path }) => path.startsWith('/admin/v1/'))).toHaveLength(
      ADMIN_ROUTES.length,
    );
  });

  it('has the Teacher Record Service pull endpoint behind its own token', () => {
    const op = operation('get', '/api/teacher-record-service/v1/qualifications/{trn}');
    expect(Object.keys(op.responses as Json)).toEqual(expect.arrayContaining(['200', '401']));
    expect(op.security).toEqual([{ teacherRecordServiceToken: [] }]);
    expect(
      errorsOf('QualificationsResponse', {
        data: { trn: '1000207', qualifications: [{ award_date: '2023-10-01', npq_type: 'NPQEYL' }] },
      }),
    ).toEqual([]);
  });

  it('gives every operation a unique camelCase operationId, a tag, a summary and a 4xx response', () => {
    const ids = new Set<string>();
    for (const { method, path, op } of allOperations()) {
      const label = `${method.toUpperCase()} ${path}`;
      expect([label, op.operationId]).toEqual([label, expect.stringMatching(/^[a-z][a-zA-Z0-9]*$/)]);
      expect(ids.has(op.operationId as string)).toBe(false);
      ids.add(op.operationId as string);
      expect([label, (op.tags as string[]).length]).toEqual([label, 1]);
      expect([label, typeof op.summary]).toEqual([label, 'string']);
      expect([label, Object.keys(op.responses as Json).some((c) => c.startsWith('4'))]).toEqual([
        label,
        true,
      ]);
    }
  });

  it('documents the undocumented-by-DfE status codes where they apply (docs/compatibility.md)', () => {
    const codes = (method: string, path: string) => Object.keys(operation(method, path).responses as Json);
    expect(codes('put', '/api/v3/participant-declarations/{id}/void')).toEqual(
      expect.arrayContaining(['403']),
    );
    expect(codes('put', '/api/v3/participant-declarations/{id}/change-delivery-partner')).toEqual(
      expect.arrayContaining(['400', '403', '404', '422']),
    );
    expect(codes('get', '/api/v3/participants/npq/{id}')).toEqual(expect.arrayContaining(['410']));
    expect(codes('get', '/api/v3/participants/npq/{id}/outcomes')).toEqual(expect.arrayContaining(['410']));
    expect(codes('get', '/api/v3/participants/npq')).toEqual(expect.arrayContaining(['400', '422']));
    expect(codes('post', '/api/v3/npq-applications/{id}/reject')).toEqual(expect.arrayContaining(['422']));
    expect(codes('post', '/api/v3/participant-declarations')).not.toContain('404');
    for (const { path, op } of allOperations().filter(({ path }) => path.startsWith('/api/'))) {
      expect([path, Object.keys(op.responses as Json)]).toEqual([
        path,
        expect.arrayContaining(['401', '429']),
      ]);
    }
  });

  it('declares filter, page and sort query parameters as documented', () => {
    const params = (method: string, path: string) =>
      ((operation(method, path).parameters ?? []) as Json[]).map(resolve);
    const named = (method: string, path: string, name: string) =>
      params(method, path).find((p) => p.name === name);

    for (const path of [
      '/api/v3/npq-applications',
      '/api/v3/participants/npq',
      '/api/v3/delivery-partners',
    ]) {
      expect(named('get', path, 'sort')).toMatchObject({ in: 'query', schema: { type: 'string' } });
    }
    for (const path of [
      '/api/v3/participant-declarations',
      '/api/v3/statements',
      '/api/v3/participants/npq/outcomes',
    ]) {
      expect(named('get', path, 'sort')).toBeUndefined();
    }
    const listPaths = V3_ROUTES.filter(([m, p]) => m === 'get' && !p.endsWith('}')).map(([, p]) => p);
    for (const path of listPaths) {
      const page = named('get', path, 'page');
      expect(page).toMatchObject({ in: 'query', style: 'deepObject', explode: true });
      const pageSchema = resolve(page?.schema);
      expect(Object.keys(pageSchema.properties as Json)).toEqual(['page', 'per_page']);
    }
    const filterKeys = (path: string) => {
      const filter = named('get', path, 'filter');
      expect(filter).toMatchObject({ in: 'query', style: 'deepObject', explode: true });
      const schema = resolve(filter?.schema);
      for (const property of Object.values(schema.properties as Json)) {
        expect(resolve(property).type).toBe('string');
      }
      return Object.keys(schema.properties as Json).sort();
    };
    expect(filterKeys('/api/v3/npq-applications')).toEqual(['cohort', 'participant_id', 'updated_since']);
    expect(filterKeys('/api/v3/participants/npq')).toEqual([
      'from_participant_id',
      'training_status',
      'updated_since',
    ]);
    expect(filterKeys('/api/v3/participants/npq/outcomes')).toEqual(['created_since']);
    expect(filterKeys('/api/v3/participant-declarations')).toEqual([
      'cohort',
      'participant_id',
      'updated_since',
    ]);
    expect(filterKeys('/api/v3/statements')).toEqual(['cohort', 'updated_since']);
    expect(filterKeys('/api/v3/delivery-partners')).toEqual(['cohort']);

    const id = named('get', '/api/v3/npq-applications/{id}', 'id');
    expect(id).toMatchObject({ in: 'path', required: true, schema: { type: 'string' } });
    expect((id?.schema as Json).format).toBeUndefined();
  });
});

// ------------------------------------------------------------------------------------------------
// Resources
// ------------------------------------------------------------------------------------------------

const application = {
  id: 'd0b4a32e-a272-489e-b30a-cb17131457fc',
  type: 'npq_application',
  attributes: {
    course_identifier: 'npq-senior-leadership',
    email: 'isabelle.macdonald2@some-school.example.com',
    email_validated: true,
    employer_name: 'Some Company Ltd',
    employment_role: 'Director',
    full_name: 'Isabelle MacDonald',
    funding_choice: 'school',
    headteacher_status: 'no',
    ineligible_for_funding_reason: 'previously-funded',
    participant_id: '7a8fef46-3c43-42c0-b3d5-1ba5904ba562',
    private_childcare_provider_urn: 'EY944860',
    teacher_reference_number: '1234567',
    teacher_reference_number_validated: true,
    school_urn: '106286',
    school_ukprn: '10079319',
    status: 'rejected',
    reason_for_rejection: 'other_application_in_this_cohort_accepted',
    works_in_school: true,
    cohort: '2024',
    cohort_suffix: 'a',
    eligible_for_funding: false,
    targeted_delivery_funding_eligibility: true,
    teacher_catchment: true,
    teacher_catchment_country: 'United Kingdom of Great Britain and Northern Ireland',
    teacher_catchment_iso_country_code: 'GBR',
    itt_provider: 'University of Southampton',
    lead_mentor: true,
    funded_place: null,
    created_at: '2021-05-31T02:21:32Z',
    updated_at: '2021-05-31T02:22:32Z',
    schedule_identifier: 'npq-leadership-autumn',
    works_as_senco: 'no_i_do_not_plan_to_be_a_SENCO',
    senco_start_date: '2021-09-01',
  },
};

const participant = {
  id: '7a8fef46-3c43-42c0-b3d5-1ba5904ba562',
  type: 'npq-participant',
  attributes: {
    full_name: 'Isabelle MacDonald',
    previous_names: ['Isabelle James'],
    teacher_reference_number: null,
    updated_at: '2025-01-15T10:00:00Z',
    npq_enrolments: [
      {
        email: 'isabelle.macdonald2@some-school.example.com',
        course_identifier: 'npq-senior-leadership',
        schedule_identifier: 'npq-leadership-autumn',
        cohort: '2024',
        cohort_suffix: 'a',
        npq_application_id: 'd0b4a32e-a272-489e-b30a-cb17131457fc',
        eligible_for_funding: true,
        training_status: 'withdrawn',
        school_urn: '106286',
        targeted_delivery_funding_eligibility: false,
        withdrawal: { reason: 'quality-of-programme-structure-not-suitable.', date: '2025-01-15T10:00:00Z' },
        deferral: null,
        created_at: '2024-09-02T08:30:00Z',
        funded_place: true,
      },
      {
        email: 'isabelle.macdonald2@some-school.example.com',
        course_identifier: 'npq-leading-literacy',
        schedule_identifier: null,
        cohort: null,
        cohort_suffix: null,
        npq_application_id: '0c5d7b2e-1f3a-4e6b-9c8d-7a6b5c4d3e2f',
        eligible_for_funding: false,
        training_status: 'deferred',
        school_urn: null,
        targeted_delivery_funding_eligibility: false,
        withdrawal: null,
        deferral: { reason: 'career-break', date: '2024-12-01T00:00:00Z' },
        created_at: '2024-09-03T08:30:00Z',
        funded_place: null,
      },
    ],
    participant_id_changes: [
      {
        from_participant_id: '23dd8d66-e11f-4139-9001-86b4f9abcb02',
        to_participant_id: '7a8fef46-3c43-42c0-b3d5-1ba5904ba562',
        changed_at: '2024-08-01T09:00:00Z',
      },
    ],
  },
};

const outcome = {
  id: 'e2a4c6b8-1d3f-4a5b-8c7d-9e0f1a2b3c4d',
  type: 'participant-outcome',
  attributes: {
    state: 'passed',
    completion_date: '2021-05-31T00:00:00+00:00',
    course_identifier: 'npq-headship',
    participant_id: '7a8fef46-3c43-42c0-b3d5-1ba5904ba562',
    created_at: '2021-06-01T02:21:32Z',
    updated_at: '2021-06-01T02:21:32Z',
  },
};

const declaration = {
  id: '5c8a3e2b-9f3d-4b7e-8a61-2f0d9c4e1a77',
  type: 'participant-declaration',
  attributes: {
    participant_id: '7a8fef46-3c43-42c0-b3d5-1ba5904ba562',
    declaration_type: 'completed',
    course_identifier: 'npq-senior-leadership',
    declaration_date: '2026-03-01T10:00:00Z',
    state: 'awaiting-clawback',
    has_passed: true,
    delivery_partner_id: '524df095-f9bf-4f9d-ba4c-772545a99e60',
    delivery_partner_name: 'Foo education',
    secondary_delivery_partner_id: 'f0de7abf-399b-4e68-83de-2c33b503810c',
    secondary_delivery_partner_name: 'Bar education',
    statement_id: 'b7f3c1d2-4e5a-4b6c-9d8e-0f1a2b3c4d5e',
    application_id: 'd0b4a32e-a272-489e-b30a-cb17131457fc',
    clawback_statement_id: 'c1d2e3f4-a5b6-4c7d-8e9f-0a1b2c3d4e5f',
    uplift_paid: false,
    lead_provider_name: 'Example Institute',
    ineligible_for_funding_reason: null,
    created_at: '2026-03-01T10:00:05Z',
    updated_at: '2026-04-03T09:15:00Z',
  },
};

const statement = {
  id: 'b7f3c1d2-4e5a-4b6c-9d8e-0f1a2b3c4d5e',
  type: 'statement',
  attributes: {
    month: 'May',
    year: '2025',
    cohort: '2024',
    cut_off_date: '2025-04-30',
    payment_date: null,
    paid: false,
    created_at: '2024-06-01T00:00:00Z',
    updated_at: '2025-04-30T23:00:00Z',
  },
};

const deliveryPartner = {
  id: '524df095-f9bf-4f9d-ba4c-772545a99e60',
  type: 'delivery-partner',
  attributes: {
    name: 'Awesome Delivery Partner Ltd',
    cohort: [2021, 2022],
    created_at: '2025-03-25T02:21:32Z',
    updated_at: '2025-03-25T02:22:32Z',
  },
};

function firstEnrolment(fixture: typeof participant): Json {
  const [enrolment] = fixture.attributes.npq_enrolments;
  if (!enrolment) throw new Error('the participant fixture has no enrolment');
  return enrolment;
}

const RESOURCES: Array<[string, string, { id: string; type: string; attributes: Json }]> = [
  ['Application', 'npq_application', application],
  ['Participant', 'npq-participant', participant],
  ['ParticipantOutcome', 'participant-outcome', outcome],
  ['ParticipantDeclaration', 'participant-declaration', declaration],
  ['Statement', 'statement', statement],
  ['DeliveryPartner', 'delivery-partner', deliveryPartner],
];

describe('OpenAPI document: v3 resources', () => {
  it.each(RESOURCES)(
    '%s has type %s, key order id/type/attributes and a closed attribute object',
    (name, type) => {
      const schema = resolve({ $ref: `#/components/schemas/${name}` });
      expect(Object.keys(schema.properties as Json)).toEqual(['id', 'type', 'attributes']);
      const typeSchema = (schema.properties as Json).type as Json;
      expect(typeSchema.const ?? typeSchema.enum).toEqual(typeSchema.const === undefined ? [type] : type);
      expect(schema.additionalProperties).toBe(false);
      const attributes = resolve((schema.properties as Json).attributes);
      expect(attributes.additionalProperties).toBe(false);
      expect([...(attributes.required as string[])].sort()).toEqual(
        Object.keys(attributes.properties as Json).sort(),
      );
    },
  );

  it.each(RESOURCES)('a realistic %s validates', (name, _type, fixture) => {
    expect(errorsOf(name, fixture)).toEqual([]);
  });

  it.each(RESOURCES)('%s attributes are declared in emitted order', (name, _type, fixture) => {
    const attributes = resolve(
      (resolve({ $ref: `#/components/schemas/${name}` }).properties as Json).attributes,
    );
    expect(Object.keys(attributes.properties as Json)).toEqual(Object.keys(fixture.attributes));
  });

  it('npq_enrolments items declare their keys in emitted order', () => {
    const enrolment = resolve({ $ref: '#/components/schemas/NpqEnrolment' });
    expect(Object.keys(enrolment.properties as Json)).toEqual(
      Object.keys(participant.attributes.npq_enrolments[0] ?? {}),
    );
  });

  it.each(RESOURCES)(
    '%s single and list envelopes validate and reject links/meta',
    (name, _type, fixture) => {
      const plural: Record<string, string | undefined> = {
        Application: 'ApplicationsResponse',
        Participant: 'ParticipantsResponse',
        ParticipantOutcome: 'ParticipantOutcomesResponse',
        ParticipantDeclaration: 'ParticipantDeclarationsResponse',
        Statement: 'StatementsResponse',
        DeliveryPartner: 'DeliveryPartnersResponse',
      };
      expect(errorsOf(`${name}Response`, { data: fixture })).toEqual([]);
      const listName = plural[name] ?? `${name}s`;
      expect(errorsOf(listName, { data: [fixture, fixture] })).toEqual([]);
      expect(errorsOf(listName, { data: [] })).toEqual([]);
      expect(errorsOf(listName, { data: [], links: {}, meta: {} })).not.toEqual([]);
      expect(errorsOf(`${name}Response`, { data: { ...fixture, links: {} } })).not.toEqual([]);
    },
  );

  it('rejects a timestamp with milliseconds', () => {
    const bad = clone(application);
    bad.attributes.created_at = '2021-05-31T02:21:32.000Z';
    expect(errorsOf('Application', bad)).not.toEqual([]);
    const badEnrolment = clone(participant);
    firstEnrolment(badEnrolment).created_at = '2024-09-02T08:30:00.123Z';
    expect(errorsOf('Participant', badEnrolment)).not.toEqual([]);
    const offset = clone(declaration);
    offset.attributes.updated_at = '2026-04-03T09:15:00+00:00';
    expect(errorsOf('ParticipantDeclaration', offset)).not.toEqual([]);
  });

  it('rejects underscored declaration states', () => {
    for (const state of ['awaiting_clawback', 'clawed_back']) {
      const bad = clone(declaration);
      bad.attributes.state = state;
      expect(errorsOf('ParticipantDeclaration', bad)).not.toEqual([]);
    }
    const clawedBack = clone(declaration);
    clawedBack.attributes.state = 'clawed-back';
    expect(errorsOf('ParticipantDeclaration', clawedBack)).toEqual([]);
  });

  it('has_passed is boolean or null, never a string', () => {
    const bad = clone(declaration) as { attributes: Json };
    bad.attributes.has_passed = 'true';
    expect(errorsOf('ParticipantDeclaration', bad)).not.toEqual([]);
    bad.attributes.has_passed = null;
    expect(errorsOf('ParticipantDeclaration', bad)).toEqual([]);
    bad.attributes.has_passed = false;
    expect(errorsOf('ParticipantDeclaration', bad)).toEqual([]);
  });

  it('rejects a missing attribute, even a nullable one', () => {
    for (const [name, , fixture] of RESOURCES) {
      for (const key of Object.keys(fixture.attributes)) {
        const bad = clone(fixture);
        delete bad.attributes[key];
        expect([name, key, errorsOf(name, bad).length > 0]).toEqual([name, key, true]);
      }
    }
  });

  it('rejects an extra attribute', () => {
    for (const [name, , fixture] of RESOURCES) {
      const bad = clone(fixture);
      bad.attributes.unexpected = 'x';
      expect([name, errorsOf(name, bad).length > 0]).toEqual([name, true]);
    }
  });

  it('rejects the wrong resource type', () => {
    expect(errorsOf('Application', { ...application, type: 'npq-application' })).not.toEqual([]);
    expect(errorsOf('Participant', { ...participant, type: 'participant' })).not.toEqual([]);
  });

  it('follows the implementation where DfE swagger differs (docs/compatibility.md)', () => {
    const withAttributes = <T extends { attributes: Json }>(fixture: T, patch: Json): T => {
      const copy = clone(fixture);
      Object.assign(copy.attributes, patch);
      return copy;
    };
    // works_as_senco is a string enum, not a boolean.
    expect(errorsOf('Application', withAttributes(application, { works_as_senco: true }))).not.toEqual([]);
    expect(errorsOf('Application', withAttributes(application, { works_as_senco: 'yes' }))).toEqual([]);
    expect(errorsOf('Application', withAttributes(application, { works_as_senco: null }))).toEqual([]);
    // teacher_catchment is never null.
    expect(errorsOf('Application', withAttributes(application, { teacher_catchment: null }))).not.toEqual([]);
    // reason_for_rejection is an enum, not free text.
    expect(
      errorsOf(
        'Application',
        withAttributes(application, {
          reason_for_rejection: 'Application does not meet eligibility criteria',
        }),
      ),
    ).not.toEqual([]);
    // Delivery partner cohorts are integers.
    expect(errorsOf('DeliveryPartner', withAttributes(deliveryPartner, { cohort: ['2021'] }))).not.toEqual(
      [],
    );
    // Outcome completion_date is midnight with a +00:00 offset.
    expect(
      errorsOf('ParticipantOutcome', withAttributes(outcome, { completion_date: '2021-05-31' })),
    ).not.toEqual([]);
    expect(
      errorsOf('ParticipantOutcome', withAttributes(outcome, { completion_date: '2021-05-31T00:00:00Z' })),
    ).not.toEqual([]);
    // Statement dates are plain dates.
    expect(
      errorsOf('Statement', withAttributes(statement, { cut_off_date: '2025-04-30T00:00:00Z' })),
    ).not.toEqual([]);
    // Withdrawal reasons keep the trailing dot; without it the value is unknown.
    const noDot = clone(participant);
    firstEnrolment(noDot).withdrawal = {
      reason: 'quality-of-programme-structure-not-suitable',
      date: '2025-01-15T10:00:00Z',
    };
    expect(errorsOf('Participant', noDot)).not.toEqual([]);
    // Application and declaration ineligibility reasons are distinct enums.
    expect(
      errorsOf(
        'Application',
        withAttributes(application, { ineligible_for_funding_reason: 'duplicate_declaration' }),
      ),
    ).not.toEqual([]);
    expect(
      errorsOf(
        'ParticipantDeclaration',
        withAttributes(declaration, {
          state: 'ineligible',
          ineligible_for_funding_reason: 'duplicate_declaration',
        }),
      ),
    ).toEqual([]);
  });
});

// ------------------------------------------------------------------------------------------------
// Requests and errors
// ------------------------------------------------------------------------------------------------

describe('OpenAPI document: request bodies', () => {
  const REQUESTS: Array<[string, string, string, string]> = [
    ['post', '/api/v3/npq-applications/{id}/accept', 'ApplicationAcceptRequest', 'npq-application-accept'],
    [
      'put',
      '/api/v3/npq-applications/{id}/change-funded-place',
      'ApplicationChangeFundedPlaceRequest',
      'npq-application-change-funded-place',
    ],
    ['put', '/api/v3/participants/npq/{id}/defer', 'ParticipantDeferRequest', 'participant-defer'],
    ['put', '/api/v3/participants/npq/{id}/resume', 'ParticipantResumeRequest', 'participant-resume'],
    ['put', '/api/v3/participants/npq/{id}/withdraw', 'ParticipantWithdrawRequest', 'participant-withdraw'],
    [
      'put',
      '/api/v3/participants/npq/{id}/change-schedule',
      'ParticipantChangeScheduleRequest',
      'participant-change-schedule',
    ],
    [
      'post',
      '/api/v3/participants/npq/{id}/outcomes',
      'ParticipantOutcomeCreateRequest',
      'npq-outcome-confirmation',
    ],
    [
      'post',
      '/api/v3/participant-declarations',
      'ParticipantDeclarationCreateRequest',
      'participant-declaration',
    ],
    [
      'put',
      '/api/v3/participant-declarations/{id}/change-delivery-partner',
      'ParticipantDeclarationChangeDeliveryPartnerRequest',
      'participant-declaration',
    ],
  ];

  it.each(REQUESTS)('%s %s takes %s with data.type %s', (method, path, schemaName, dataType) => {
    const body = resolve(operation(method, path).requestBody);
    expect((body.content as Json)['application/json']).toMatchObject({
      schema: { $ref: `#/components/schemas/${schemaName}` },
    });
    const data = (resolve({ $ref: `#/components/schemas/${schemaName}` }).properties as Json).data as Json;
    expect(((data.properties as Json).type as Json).examples).toEqual([dataType]);
  });

  it('accept has an optional body; reject, void and admin no-body POSTs have none', () => {
    expect(resolve(operation('post', '/api/v3/npq-applications/{id}/accept').requestBody).required).toBe(
      false,
    );
    for (const [method, path] of [
      ['post', '/api/v3/npq-applications/{id}/reject'],
      ['put', '/api/v3/participant-declarations/{id}/void'],
      ['post', '/admin/v1/lead-providers/{id}/api-tokens'],
      ['post', '/admin/v1/teacher-record-service/api-tokens'],
      ['post', '/admin/v1/statements/{id}/authorise-payment'],
      ['post', '/admin/v1/outcome-deliveries/{id}/retry'],
    ] as Array<[string, string]>) {
      expect(operation(method, path).requestBody).toBeUndefined();
    }
  });

  it('request schemas tolerate unknown keys (DfE drops them)', () => {
    const closed: string[] = [];
    const visit = (node: unknown, where: string, seen: Set<unknown>): void => {
      if (!node || typeof node !== 'object' || seen.has(node)) return;
      seen.add(node);
      const schema = resolve(node);
      if (schema.additionalProperties === false) closed.push(where);
      for (const key of ['properties', 'items', 'oneOf', 'anyOf', 'allOf'] as const) {
        const child = schema[key];
        if (Array.isArray(child)) child.forEach((c, i) => visit(c, `${where}/${key}/${i}`, seen));
        else if (key === 'properties' && child) {
          for (const [name, c] of Object.entries(child as Json)) visit(c, `${where}/${name}`, seen);
        } else if (child) visit(child, `${where}/${key}`, seen);
      }
    };
    for (const { method, path, op } of allOperations()) {
      if (!op.requestBody) continue;
      const content = resolve(op.requestBody).content as Record<string, Json>;
      visit(content['application/json']?.schema, `${method} ${path}`, new Set());
    }
    expect(closed).toEqual([]);
  });

  it('request examples validate and extra keys are accepted', () => {
    const declarationBody = {
      data: {
        type: 'participant-declaration',
        attributes: {
          participant_id: '7a8fef46-3c43-42c0-b3d5-1ba5904ba562',
          declaration_type: 'completed',
          declaration_date: '2026-03-01T10:00:00.123+01:00',
          course_identifier: 'npq-senior-leadership',
          has_passed: 'true',
          some_unknown_key: 1,
        },
        extra: true,
      },
    };
    expect(errorsOf('ParticipantDeclarationCreateRequest', declarationBody)).toEqual([]);
    expect(errorsOf('ApplicationAcceptRequest', {})).toEqual([]);
    expect(errorsOf('ApplicationAcceptRequest', { data: { type: 'npq-application-accept' } })).not.toEqual(
      [],
    );
    expect(
      errorsOf('ParticipantWithdrawRequest', {
        data: {
          type: 'participant-withdraw',
          attributes: { course_identifier: 'npq-headship', reason: 'change-in-career' },
        },
      }),
    ).toEqual([]);
  });
});

describe('OpenAPI document: errors', () => {
  const response = (name: string) => resolve({ $ref: `#/components/responses/${name}` });
  const jsonExamples = (name: string) =>
    Object.values(
      ((response(name).content as Json)['application/json'] as Json).examples as Record<string, Json>,
    ).map((e) => resolve(e).value);

  it('has reusable error responses', () => {
    for (const name of [
      'Unauthorised',
      'NotFound',
      'BadRequest',
      'Forbidden',
      'Gone',
      'PayloadTooLarge',
      'UnprocessableEntity',
      'TooManyRequests',
    ]) {
      expect(response(name).description).toEqual(expect.any(String));
    }
  });

  it('uses the exact DfE bodies', () => {
    expect(jsonExamples('Unauthorised')).toEqual([{ error: 'HTTP Token: Access denied' }]);
    expect(jsonExamples('NotFound')).toEqual([{ error: 'Resource not found' }]);
    expect(jsonExamples('BadRequest')).toEqual(
      expect.arrayContaining([
        { errors: [{ title: 'Bad request', detail: "'#/filter' is not a valid field" }] },
        {
          errors: [
            {
              title: 'Bad request',
              detail:
                "The '#/page[page]' and '#/page[per_page]' parameter values must be a valid positive number",
            },
          ],
        },
        {
          errors: [
            {
              title: 'Bad request',
              detail: 'correct json data structure required. See API docs for reference',
            },
          ],
        },
      ]),
    );
    expect(jsonExamples('Forbidden')).toEqual([
      {
        errors: [
          {
            title: 'Cannot modify declaration',
            detail: 'The declaration cannot be modified because it was created by another lead provider',
          },
        ],
      },
    ]);
    expect(jsonExamples('UnprocessableEntity')).toEqual(
      expect.arrayContaining([
        { error: 'Unprocessable entity' },
        {
          errors: [
            {
              title: 'Unpermitted parameters',
              detail: 'The filter \'#/training_status\' must be ["active", "deferred", "withdrawn"]',
            },
          ],
        },
      ]),
    );
  });

  it('validates the two error envelopes and the 410 body', () => {
    expect(errorsOf('LegacyError', { error: 'Resource not found' })).toEqual([]);
    expect(errorsOf('LegacyError', { errors: [] })).not.toEqual([]);
    expect(
      errorsOf('ErrorsEnvelope', {
        errors: [{ title: 'funded_place', detail: "Set '#/funded_place' to true or false." }],
      }),
    ).toEqual([]);
    expect(errorsOf('ErrorsEnvelope', { error: 'Resource not found' })).not.toEqual([]);
    const [gone] = jsonExamples('Gone');
    expect(errorsOf('ParticipantIdChangedError', gone)).toEqual([]);
    expect(gone).toMatchObject({ errors: [{ title: 'Participant ID has been changed' }] });
  });

  it('answers 429 in text/plain with Retry-After', () => {
    const tooMany = response('TooManyRequests');
    const plain = (tooMany.content as Json)['text/plain'] as Json;
    expect(Object.values(plain.examples as Record<string, Json>).map((e) => e.value)).toEqual([
      'Retry later\n',
    ]);
    expect(resolve((tooMany.headers as Json)['Retry-After'])).toMatchObject({ schema: { type: 'integer' } });
  });
});

describe('OpenAPI document: examples', () => {
  it('every media-type example validates against its schema', () => {
    const failures: string[] = [];
    let checked = 0;
    const check = (content: Json | undefined, base: string[], label: string) => {
      for (const [mediaType, media] of Object.entries(content ?? {})) {
        const examples = (media as Json).examples as Record<string, Json> | undefined;
        if (!examples) continue;
        const validate = ajv.compile({
          $ref: `openapi#/${pointer(...base, 'content', mediaType, 'schema')}`,
        });
        for (const [name, example] of Object.entries(examples)) {
          checked += 1;
          if (!validate(resolve(example).value))
            failures.push(`${label} ${name}: ${ajv.errorsText(validate.errors)}`);
        }
      }
    };
    for (const [path, item] of Object.entries(doc.paths)) {
      for (const method of HTTP_METHODS) {
        const op = item[method] as Json | undefined;
        if (!op) continue;
        if (op.requestBody)
          check(
            (op.requestBody as Json).content as Json,
            ['paths', path, method, 'requestBody'],
            `${method} ${path} request`,
          );
        for (const [code, res] of Object.entries(op.responses as Json)) {
          if (!(res as Json).$ref)
            check(
              (res as Json).content as Json,
              ['paths', path, method, 'responses', code],
              `${method} ${path} ${code}`,
            );
        }
      }
    }
    for (const [name, res] of Object.entries(doc.components.responses as Record<string, Json>)) {
      check(res.content as Json, ['components', 'responses', name], `response ${name}`);
    }
    expect(failures).toEqual([]);
    expect(checked).toBeGreaterThan(30);
  });
});
