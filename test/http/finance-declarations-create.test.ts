import { startSystem, type System } from '../support/system';
import {
  AMBITION,
  applicationAttributes,
  BPN,
  createAcceptedApplication,
  samePerson,
} from '../support/fixtures';
import {
  acceptedParticipant,
  at,
  createPartner as createPartnerFor,
  declarationBody,
  declare,
  declareOk,
  errors,
  EVERYWHERE_PARTNER,
  publishWithdrawal,
  startedAttributes,
  statementFor,
} from '../support/finance';

let system: System;
beforeAll(async () => {
  system = await startSystem();
});
afterAll(async () => {
  await system?.close();
});

const M = {
  participantBlank: "The property '#/participant_id' must be present",
  invalidParticipant:
    "Your update cannot be made as the '#/participant_id' is not recognised. Check participant details and try again.",
  courseInvalid:
    "The entered '#/course_identifier' is not recognised for the given participant. Check details and try again.",
  dateInvalid: "Enter a valid RFC3339 '#/declaration_date'.",
  dateBeforeStart: "Enter a '#/declaration_date' that's on or after the schedule start.",
  dateBlank: "Enter a '#/declaration_date'.",
  dateFuture: "The '#/declaration_date' value cannot be a future date. Check the date and try again.",
  typeBlank: "Enter a '#/declaration_type'.",
  typeInclusion: "The entered '#/declaration_type' is not recognised.",
  typeNotInSchedule: "The property '#/declaration_type' does not exist for this schedule.",
  missingContract:
    'You cannot submit a declaration for this participant as you do not have a contract for the cohort and course. Contact the DfE for assistance.',
  contractEnded: (year: number) =>
    `You cannot submit or void declarations for the ${year} cohort. The funding contract for this cohort has ended. Get in touch if you need to discuss this with us.`,
  hasPassed:
    "Enter 'true' or 'false' in the '#/has_passed' field to indicate whether this participant has passed or failed their course.",
  slotTaken: 'A declaration has already been submitted that will be, or has been, paid for this event',
  dpNotFound: "The property '#/delivery_partner_id' does not exist",
  secondaryNotFound: "The property '#/secondary_delivery_partner_id' does not exist",
  dpRequired: "The property '#/delivery_partner_id' must be present",
  dpNotPartnered:
    "The entered '#/delivery_partner_id' is not from your list of confirmed Delivery Partners for the Cohort",
  dpOverseas:
    "The property '#/delivery_partner_id' cannot be specified for Applications from outside of England",
  secondaryWithoutPrimary:
    "The property '#/secondary_delivery_partner_id' cannot be specified without the property '#/delivery_partner_id'",
  secondaryOverseas:
    "The property '#/secondary_delivery_partner_id' cannot be specified for Applications from outside of England",
  secondaryNotPartnered:
    "The entered '#/secondary_delivery_partner_id' is not from your list of confirmed Delivery Partners for the Cohort",
  secondarySame:
    "The property '#/secondary_delivery_partner_id' cannot have the same value as the property '#/delivery_partner_id'",
};

const provider = () => system.provider(AMBITION.id);

const createPartner = (name: string, partnerships: { lead_provider_id: string; cohort: string }[]) =>
  createPartnerFor(system, name, partnerships);

describe('POST /api/v3/participant-declarations: request body', () => {
  it('answers 400 without data or attributes, or with empty attributes', async () => {
    const missing = badBody();
    for (const body of [{}, { data: {} }, { data: { attributes: {} } }, { data: { attributes: 'x' } }]) {
      const res = await provider().post('/api/v3/participant-declarations', body);
      expect(res.status).toBe(400);
      expect(res.body).toEqual(missing);
    }
  });

  it('reports every always-run check when nothing usable is given', async () => {
    const res = await declare(provider(), { unknown: 'x' });
    expect(res.status).toBe(422);
    expect(res.body).toEqual(
      errors(
        ['participant_id', M.participantBlank],
        ['declaration_date', M.dateBlank],
        ['declaration_type', M.typeBlank],
        ['declaration_type', M.typeInclusion],
      ),
    );
  });
});

describe('POST /api/v3/participant-declarations: non-scalar attributes', () => {
  it('drops arrays and objects as strong parameters do: they count as absent', async () => {
    const p = await acceptedParticipant(system);
    const res = await declare(provider(), {
      participant_id: [p.participantId],
      declaration_type: ['started'],
      declaration_date: { at: '2025-10-10T10:00:00Z' },
      course_identifier: 'npq-headship',
    });
    expect(res.status).toBe(422);
    expect(res.body).toEqual(
      errors(
        ['participant_id', M.participantBlank],
        ['declaration_date', M.dateBlank],
        ['declaration_type', M.typeBlank],
        ['declaration_type', M.typeInclusion],
      ),
    );
    // A dropped partner id is not "given": only the partner requirement of the declaration itself applies.
    const partner = await declare(
      provider(),
      startedAttributes(p.participantId, {
        delivery_partner_id: [EVERYWHERE_PARTNER.id],
        secondary_delivery_partner_id: {},
      }),
    );
    expect(partner.body).toEqual(errors(['delivery_partner_id', M.dpRequired]));
  });
});

function badBody() {
  return errors(['Bad request', 'correct json data structure required. See API docs for reference']);
}

describe('POST /api/v3/participant-declarations: the participant', () => {
  it("refuses an unknown, malformed or other provider's participant with the invalid-participant message", async () => {
    const atBpn = await createAcceptedApplication(
      system,
      { lead_provider_id: BPN.id },
      { at: '2025-09-15T10:00:00Z' },
    );
    for (const participantId of [
      '6f7b1a7e-5b52-4d8f-9d5e-6f0a3b1c2d3e',
      'abc',
      42,
      atBpn.attributes.participant_id,
    ]) {
      const res = await declare(provider(), startedAttributes('x', { participant_id: participantId }));
      expect(res.status).toBe(422);
      expect(res.body).toEqual(errors(['participant_id', M.invalidParticipant]));
    }
  });

  it("refuses a pending (not accepted) application: the person is not the provider's participant", async () => {
    const pending = await system.admin.post('/admin/v1/npq-applications', {
      data: { type: 'npq_application', attributes: applicationAttributes() },
    });
    const res = await declare(provider(), startedAttributes(pending.body.data.attributes.participant_id));
    expect(res.body).toEqual(errors(['participant_id', M.invalidParticipant]));
  });

  it('names the replacement of a retired (merged) participant id', async () => {
    const retired = await acceptedParticipant(system, { course_identifier: 'npq-senior-leadership' });
    const kept = await acceptedParticipant(system);
    const merge = await system.admin.post(`/admin/v1/participants/${retired.participantId}/merge`, {
      data: { type: 'participant-merge', attributes: { into_participant_id: kept.participantId } },
    });
    expect(merge.status).toBe(200);
    const res = await declare(
      provider(),
      startedAttributes(retired.participantId, { course_identifier: 'npq-senior-leadership' }),
    );
    expect(res.status).toBe(422);
    expect(res.body).toEqual(
      errors([
        'participant_id',
        `The participant_id '${retired.participantId}' has been replaced with '${kept.participantId}'.`,
      ]),
    );
    // The kept id now carries the moved application.
    const ok = await declare(
      provider(),
      startedAttributes(kept.participantId, { course_identifier: 'npq-senior-leadership' }),
    );
    expect(ok.status).toBe(200);
    expect(ok.body.data.attributes).toMatchObject({
      participant_id: kept.participantId,
      application_id: retired.applicationId,
    });
  });

  it('refuses a course the participant has no accepted application for (skipped when the participant already failed)', async () => {
    const p = await acceptedParticipant(system);
    for (const course of ['npq-senior-leadership', 'npq-not-a-course', '', undefined]) {
      const res = await declare(
        provider(),
        startedAttributes(p.participantId, { course_identifier: course }),
      );
      expect(res.body).toEqual(errors(['course_identifier', M.courseInvalid]));
    }
    const both = await declare(
      provider(),
      startedAttributes('nope', { course_identifier: 'npq-not-a-course' }),
    );
    expect(both.body).toEqual(errors(['participant_id', M.invalidParticipant]));
  });
});

describe('POST /api/v3/participant-declarations: an application accepted by another provider only', () => {
  it('passes the course check (any provider) but has no application with the caller: "missing a schedule", as DfE', async () => {
    const p = await acceptedParticipant(system);
    await createAcceptedApplication(
      system,
      {
        ...samePerson(p.participantId),
        lead_provider_id: BPN.id,
        course_identifier: 'npq-senior-leadership',
      },
      { at: '2025-09-15T10:00:00Z' },
    );
    const res = await declare(
      provider(),
      startedAttributes(p.participantId, { course_identifier: 'npq-senior-leadership' }),
    );
    expect(res.status).toBe(422);
    expect(res.body).toEqual(errors(['application', 'The application is missing a schedule.']));
  });
});

describe('POST /api/v3/participant-declarations: declaration_date', () => {
  let participantId: string;
  beforeAll(async () => {
    ({ participantId } = await acceptedParticipant(system));
  });

  // An empty delivery partner id always fails on its own ("does not exist"), and stops the request there:
  // when that is the only error, the date passed every check.
  const probe = (date: unknown, serverDate?: string) =>
    declare(
      provider(),
      startedAttributes(participantId, { declaration_date: date, delivery_partner_id: '' }),
      serverDate,
    );
  const onlyPartnerError = errors(['delivery_partner_id', M.dpNotFound]);

  it.each([
    '2025-10-10T10:00:00Z',
    '2025-10-10T10:00:00',
    '2025-10-10t10:00:00z',
    '2025-10-10T10:00:00.123456Z',
    '2025-10-10T10:00:00,5Z',
    '2025-10-10T10:00:00+01:00',
    '2025-10-10T10:00:00+0100',
    '2025-10-10T10:00:00-05',
  ])('accepts the RFC 3339 form %s', async (date) => {
    expect((await probe(date)).body).toEqual(onlyPartnerError);
  });

  it.each(['2025-10-10', '2025-10-10 10:00:00', '2025-10-10T10:00Z', '10/10/2025 10:00'])(
    'refuses %s as not RFC 3339 (it still reads as a date)',
    async (date) => {
      expect((await probe(date)).body).toEqual(
        errors(['declaration_date', M.dateInvalid], ['delivery_partner_id', M.dpNotFound]),
      );
    },
  );

  it.each([
    '2025-13-10T10:00:00Z',
    '2025-10-10T25:00:00Z',
    '2025-02-30T10:00:00Z',
    'tomorrow',
    '2025-10-10T10:00:00+1',
  ])('refuses %s as not RFC 3339 and, being unreadable, as missing', async (date) => {
    expect((await probe(date)).body).toEqual(
      errors(
        ['declaration_date', M.dateInvalid],
        ['declaration_date', M.dateBlank],
        ['delivery_partner_id', M.dpNotFound],
      ),
    );
  });

  it('reports a missing or blank date as missing only', async () => {
    for (const date of [undefined, null, '', '  ']) {
      expect((await probe(date)).body).toEqual(
        errors(['declaration_date', M.dateBlank], ['delivery_partner_id', M.dpNotFound]),
      );
    }
  });

  it('refuses a date before the schedule start (00:00 UTC of applies_from), whatever the offset', async () => {
    for (const date of ['2025-09-30T23:59:59Z', '2025-10-01T00:30:00+01:00']) {
      expect((await probe(date)).body).toEqual(
        errors(['declaration_date', M.dateBeforeStart], ['delivery_partner_id', M.dpNotFound]),
      );
    }
    expect((await probe('2025-10-01T00:00:00Z')).body).toEqual(onlyPartnerError);
  });

  it('refuses a date in the future of the request clock (X-With-Server-Date); now itself is fine', async () => {
    const p = await acceptedParticipant(system);
    const future = await declare(
      provider(),
      startedAttributes(p.participantId, { declaration_date: '2025-10-15T09:00:01Z' }),
    );
    expect(future.status).toBe(422);
    expect(future.body).toEqual(errors(['declaration_date', M.dateFuture]));
    const now = await declare(
      provider(),
      startedAttributes(p.participantId, { declaration_date: '2025-10-15T09:00:00Z' }),
    );
    expect(now.status).toBe(200);
    expect(now.body.data.attributes.declaration_date).toBe('2025-10-15T09:00:00Z');
  });
});

describe('POST /api/v3/participant-declarations: declaration_type and schedule', () => {
  it('requires a known type (both messages when missing)', async () => {
    const p = await acceptedParticipant(system);
    const missing = await declare(
      provider(),
      startedAttributes(p.participantId, { declaration_type: undefined }),
    );
    expect(missing.body).toEqual(
      errors(['declaration_type', M.typeBlank], ['declaration_type', M.typeInclusion]),
    );
    const unknown = await declare(
      provider(),
      startedAttributes(p.participantId, { declaration_type: 'retained-3' }),
    );
    expect(unknown.body).toEqual(errors(['declaration_type', M.typeInclusion]));
  });

  it('refuses a type the schedule does not allow (specialist schedules have no retained-2)', async () => {
    const p = await acceptedParticipant(system, { course_identifier: 'npq-leading-teaching' });
    const res = await declare(
      provider(),
      startedAttributes(p.participantId, {
        course_identifier: 'npq-leading-teaching',
        declaration_type: 'retained-2',
      }),
    );
    expect(res.body).toEqual(errors(['declaration_type', M.typeNotInSchedule]));
    const ok = await declare(
      provider(),
      startedAttributes(p.participantId, {
        course_identifier: 'npq-leading-teaching',
        declaration_type: 'retained-1',
      }),
    );
    expect(ok.status).toBe(200);
  });
});

describe('POST /api/v3/participant-declarations: contracts and statements', () => {
  it('refuses a course without a contract for the cohort (NPQLPM has none in 2022)', async () => {
    const app = await createAcceptedApplication(
      system,
      { cohort: '2022', course_identifier: 'npq-leading-primary-mathematics' },
      { at: '2022-09-15T10:00:00Z' },
    );
    const res = await declare(
      provider(),
      startedAttributes(app.attributes.participant_id, {
        course_identifier: 'npq-leading-primary-mathematics',
        declaration_date: '2022-10-10T10:00:00Z',
        delivery_partner_id: undefined,
      }),
      '2022-10-15T09:00:00Z',
    );
    expect(res.status).toBe(422);
    expect(res.body).toEqual(errors(['cohort', M.missingContract]));
  });

  it('refuses a fundable declaration once no output-fee statement is open (the funding contract ended)', async () => {
    const p = await acceptedParticipant(system);
    // 2025a's last statement (April 2027) has its cut-off on 2027-03-26.
    const late = await declare(
      provider(),
      startedAttributes(p.participantId, { declaration_date: '2027-03-31T10:00:00Z' }),
      '2027-04-01T09:00:00Z',
    );
    expect(late.status).toBe(422);
    expect(late.body).toEqual(errors(['cohort', M.contractEnded(2025)]));
    // On the cut-off day itself the statement still takes it.
    const last = await declare(
      provider(),
      startedAttributes(p.participantId, { declaration_date: '2027-03-26T10:00:00Z' }),
      '2027-03-26T12:00:00Z',
    );
    expect(last.status).toBe(200);
    const april = await statementFor(system, AMBITION.id, '2025a', 2027, 'April');
    expect(last.body.data.attributes.statement_id).toBe(april.id);
  });

  it('still takes a non-fundable (funded_place false) declaration after the contract ended: it stays submitted', async () => {
    const p = await acceptedParticipant(system, {}, { accept: { funded_place: false } });
    const res = await declare(
      provider(),
      startedAttributes(p.participantId, { declaration_date: '2027-03-31T10:00:00Z' }),
      '2027-04-01T09:00:00Z',
    );
    expect(res.status).toBe(200);
    expect(res.body.data.attributes).toMatchObject({ state: 'submitted', statement_id: null });
  });

  it('attaches to the earliest open output-fee statement whose cut-off is today or later', async () => {
    const dec = await statementFor(system, AMBITION.id, '2025a', 2025, 'December');
    const mar = await statementFor(system, AMBITION.id, '2025a', 2026, 'March');
    expect(dec.attributes.cut_off_date).toBe('2025-11-25');
    const onCutOff = await acceptedParticipant(system);
    const a = await declareOk(provider(), startedAttributes(onCutOff.participantId), '2025-11-25T23:00:00Z');
    expect(a.attributes.statement_id).toBe(dec.id);
    const dayAfter = await acceptedParticipant(system);
    const b = await declareOk(provider(), startedAttributes(dayAfter.participantId), '2025-11-26T00:00:01Z');
    expect(b.attributes.statement_id).toBe(mar.id);
    // Another provider's declaration lands on its own statement.
    const bpn = await acceptedParticipant(system, { lead_provider_id: BPN.id });
    const c = await declareOk(system.provider(BPN.id), startedAttributes(bpn.participantId));
    expect(c.attributes.statement_id).toBe(
      (await statementFor(system, BPN.id, '2025a', 2025, 'December')).id,
    );
  });
});

describe('POST /api/v3/participant-declarations: has_passed', () => {
  const completed = (participantId: string, hasPassed: unknown) =>
    startedAttributes(participantId, {
      declaration_type: 'completed',
      has_passed: hasPassed,
      declaration_date: '2025-12-01T10:00:00Z',
    });

  it('requires true or false (or their strings) on completed leadership/specialist declarations, and always checks it', async () => {
    const p = await acceptedParticipant(system);
    for (const value of [undefined, null, 'yes', 1, 'TRUE']) {
      const res = await declare(provider(), completed(p.participantId, value), '2025-12-02T09:00:00Z');
      expect(res.body).toEqual(errors(['has_passed', M.hasPassed]));
    }
    // Always run: reported alongside an earlier failure.
    const both = await declare(provider(), completed('unknown', undefined), '2025-12-02T09:00:00Z');
    expect(both.body).toEqual(errors(['participant_id', M.invalidParticipant], ['has_passed', M.hasPassed]));
  });

  it('records the outcome: has_passed shows it at once, and on later reads', async () => {
    const passed = await acceptedParticipant(system);
    const a = await declareOk(provider(), completed(passed.participantId, 'true'), '2025-12-02T09:00:00Z');
    expect(a.attributes).toMatchObject({
      declaration_type: 'completed',
      has_passed: true,
      state: 'eligible',
    });
    const failed = await acceptedParticipant(system);
    const b = await declareOk(provider(), completed(failed.participantId, false), '2025-12-02T09:00:00Z');
    expect(b.attributes.has_passed).toBe(false);
    expect(
      (await provider().get(`/api/v3/participant-declarations/${a.id}`)).body.data.attributes.has_passed,
    ).toBe(true);
    expect(
      (await provider().get(`/api/v3/participant-declarations/${b.id}`)).body.data.attributes.has_passed,
    ).toBe(false);
  });

  it('ignores has_passed for other types and for EHCO (no outcome)', async () => {
    const p = await acceptedParticipant(system);
    const started = await declareOk(provider(), startedAttributes(p.participantId, { has_passed: 'maybe' }));
    expect(started.attributes.has_passed).toBeNull();
    const ehco = await acceptedParticipant(system, {
      course_identifier: 'npq-early-headship-coaching-offer',
    });
    const res = await declareOk(
      provider(),
      startedAttributes(ehco.participantId, {
        course_identifier: 'npq-early-headship-coaching-offer',
        declaration_type: 'completed',
        declaration_date: '2025-11-05T10:00:00Z',
      }),
      '2025-11-10T09:00:00Z',
    );
    expect(res.attributes).toMatchObject({ declaration_type: 'completed', has_passed: null });
  });
});

describe('POST /api/v3/participant-declarations: one live declaration per application and type', () => {
  it('refuses a second live declaration of the same type, and takes a new one once the first is voided', async () => {
    const p = await acceptedParticipant(system);
    const first = await declareOk(provider(), startedAttributes(p.participantId));
    const again = await declare(provider(), startedAttributes(p.participantId));
    expect(again.status).toBe(422);
    expect(again.body).toEqual(errors(['base', M.slotTaken]));
    const otherDate = await declare(
      provider(),
      startedAttributes(p.participantId, { declaration_date: '2025-10-11T10:00:00Z' }),
    );
    expect(otherDate.body).toEqual(errors(['base', M.slotTaken]));
    // Other types are free.
    expect(
      (await declare(provider(), startedAttributes(p.participantId, { declaration_type: 'retained-1' })))
        .status,
    ).toBe(200);
    expect((await provider().put(`/api/v3/participant-declarations/${first.id}/void`)).status).toBe(200);
    const resubmitted = await declareOk(provider(), startedAttributes(p.participantId));
    expect(resubmitted.id).not.toBe(first.id);
  });

  it('creates exactly one declaration from ten concurrent identical requests', async () => {
    const p = await acceptedParticipant(system);
    const responses = await Promise.all(
      Array.from({ length: 10 }, () => declare(provider(), startedAttributes(p.participantId))),
    );
    const ok = responses.filter((r) => r.status === 200);
    const refused = responses.filter((r) => r.status !== 200);
    // A request that validated before the first one committed finds it under the lock and returns it (200);
    // one that validated after sees the taken slot (DfE's 422). Never a second row, never a 500.
    expect(ok.length).toBeGreaterThanOrEqual(1);
    expect(new Set(ok.map((r) => r.body.data.id)).size).toBe(1);
    for (const r of refused) {
      expect(r.status).toBe(422);
      expect(r.body).toEqual(errors(['base', M.slotTaken]));
    }
    const listed = await provider().get(
      `/api/v3/participant-declarations?filter[participant_id]=${p.participantId}`,
    );
    expect(listed.body.data).toHaveLength(1);
    expect(listed.body.data[0].id).toBe(ok[0]!.body.data.id);
  });

  it('creates exactly one when concurrent requests differ in date (the unique index answers the rest with 422)', async () => {
    const p = await acceptedParticipant(system);
    const responses = await Promise.all(
      Array.from({ length: 8 }, (_, i) =>
        declare(
          provider(),
          startedAttributes(p.participantId, { declaration_date: `2025-10-0${i + 2}T10:00:00Z` }),
        ),
      ),
    );
    expect(responses.filter((r) => r.status === 200)).toHaveLength(1);
    for (const r of responses.filter((x) => x.status !== 200))
      expect(r.body).toEqual(errors(['base', M.slotTaken]));
    const listed = await provider().get(
      `/api/v3/participant-declarations?filter[participant_id]=${p.participantId}`,
    );
    expect(listed.body.data).toHaveLength(1);
  });
});

describe('POST /api/v3/participant-declarations: delivery partners', () => {
  it('requires a partner for cohorts from 2024 in England', async () => {
    const p = await acceptedParticipant(system);
    const res = await declare(
      provider(),
      startedAttributes(p.participantId, { delivery_partner_id: undefined }),
    );
    expect(res.body).toEqual(errors(['delivery_partner_id', M.dpRequired]));
    const nulled = await declare(
      provider(),
      startedAttributes(p.participantId, { delivery_partner_id: null }),
    );
    expect(nulled.body).toEqual(errors(['delivery_partner_id', M.dpRequired]));
  });

  it('refuses an unknown or empty partner id (always checked)', async () => {
    const p = await acceptedParticipant(system);
    for (const id of ['', '0c3c1d5e-1111-4222-8333-444455556666', 'abc']) {
      const res = await declare(
        provider(),
        startedAttributes(p.participantId, { delivery_partner_id: id, secondary_delivery_partner_id: id }),
      );
      expect(res.body).toEqual(
        errors(['delivery_partner_id', M.dpNotFound], ['secondary_delivery_partner_id', M.secondaryNotFound]),
      );
    }
    const withOthers = await declare(provider(), startedAttributes('unknown', { delivery_partner_id: '' }));
    expect(withOthers.body).toEqual(
      errors(['participant_id', M.invalidParticipant], ['delivery_partner_id', M.dpNotFound]),
    );
  });

  it('refuses partners not confirmed for the provider in the declaration cohort', async () => {
    const p = await acceptedParticipant(system);
    const bpnOnly = await createPartner('Partner Of Best Practice Only', [
      { lead_provider_id: BPN.id, cohort: '2025' },
    ]);
    const other = await createPartner('Partner In 2024 Only', [
      { lead_provider_id: AMBITION.id, cohort: '2024' },
    ]);
    const res = await declare(
      provider(),
      startedAttributes(p.participantId, {
        delivery_partner_id: bpnOnly,
        secondary_delivery_partner_id: other,
      }),
    );
    expect(res.body).toEqual(
      errors(
        ['delivery_partner_id', M.dpNotPartnered],
        ['secondary_delivery_partner_id', M.secondaryNotPartnered],
      ),
    );
  });

  it('refuses a secondary partner without a primary one, or equal to it', async () => {
    const p = await acceptedParticipant(system);
    const alone = await declare(
      provider(),
      startedAttributes(p.participantId, {
        delivery_partner_id: undefined,
        secondary_delivery_partner_id: EVERYWHERE_PARTNER.id,
      }),
    );
    expect(alone.body).toEqual(
      errors(
        ['delivery_partner_id', M.dpRequired],
        ['secondary_delivery_partner_id', M.secondaryWithoutPrimary],
      ),
    );
    const same = await declare(
      provider(),
      startedAttributes(p.participantId, { secondary_delivery_partner_id: EVERYWHERE_PARTNER.id }),
    );
    expect(same.body).toEqual(errors(['secondary_delivery_partner_id', M.secondarySame]));
  });

  it('records both partners with their names', async () => {
    const p = await acceptedParticipant(system);
    const second = await createPartner('Second Partner Ltd', [
      { lead_provider_id: AMBITION.id, cohort: '2025' },
    ]);
    const d = await declareOk(
      provider(),
      startedAttributes(p.participantId, { secondary_delivery_partner_id: second }),
    );
    expect(d.attributes).toMatchObject({
      delivery_partner_id: EVERYWHERE_PARTNER.id,
      delivery_partner_name: EVERYWHERE_PARTNER.name,
      secondary_delivery_partner_id: second,
      secondary_delivery_partner_name: 'Second Partner Ltd',
    });
  });

  it('refuses partners for participants outside England, and does not require one', async () => {
    const p = await acceptedParticipant(system, { teacher_catchment: 'scotland' });
    const res = await declare(
      provider(),
      startedAttributes(p.participantId, {
        secondary_delivery_partner_id: '8f5b8a3e-2c1d-4e6f-9a0b-1c2d3e4f5a02',
      }),
    );
    expect(res.body).toEqual(
      errors(['delivery_partner_id', M.dpOverseas], ['secondary_delivery_partner_id', M.secondaryOverseas]),
    );
    const none = await declare(
      provider(),
      startedAttributes(p.participantId, { delivery_partner_id: undefined }),
    );
    expect(none.status).toBe(200);
    expect(none.body.data.attributes.delivery_partner_id).toBeNull();
  });

  it('before 2024: no partner needed, and a school URN starting with 1 counts as England', async () => {
    const england = await createAcceptedApplication(
      system,
      { cohort: '2023' },
      { at: '2023-09-15T10:00:00Z' },
    );
    const noPartner = await declare(
      provider(),
      startedAttributes(england.attributes.participant_id, {
        declaration_date: '2023-10-10T10:00:00Z',
        delivery_partner_id: undefined,
      }),
      '2023-10-15T09:00:00Z',
    );
    expect(noPartner.status).toBe(200);
    const urn = await createAcceptedApplication(
      system,
      { cohort: '2023', teacher_catchment: 'another', school_urn: '100001' },
      { at: '2023-09-15T10:00:00Z' },
    );
    const allowed = await declare(
      provider(),
      startedAttributes(urn.attributes.participant_id, { declaration_date: '2023-10-10T10:00:00Z' }),
      '2023-10-15T09:00:00Z',
    );
    expect(allowed.status).toBe(200);
    const abroad = await createAcceptedApplication(
      system,
      { cohort: '2023', teacher_catchment: 'another', school_urn: '200001' },
      { at: '2023-09-15T10:00:00Z' },
    );
    const refused = await declare(
      provider(),
      startedAttributes(abroad.attributes.participant_id, { declaration_date: '2023-10-10T10:00:00Z' }),
      '2023-10-15T09:00:00Z',
    );
    expect(refused.body).toEqual(errors(['delivery_partner_id', M.dpOverseas]));
  });
});

describe('POST /api/v3/participant-declarations: withdrawal', () => {
  const withdrawn = (date: string) =>
    errors([
      'participant_id',
      `This participant withdrew from this course on ${date}. Enter a '#/declaration_date' that's on or before the withdrawal date.`,
    ]);
  const act = (participantId: string, action: 'withdraw' | 'resume', serverDate: string) =>
    provider().put(
      `/api/v3/participants/npq/${participantId}/${action}`,
      {
        data: {
          type: `participant-${action}`,
          attributes: {
            course_identifier: 'npq-headship',
            ...(action === 'withdraw' ? { reason: 'other' } : {}),
          },
        },
      },
      at(serverDate),
    );

  it("requires the declaration to be strictly before the provider's latest withdrawal (training's withdraw endpoint)", async () => {
    const p = await acceptedParticipant(system);
    await declareOk(provider(), startedAttributes(p.participantId));
    const w = await act(p.participantId, 'withdraw', '2025-10-20T12:00:00Z');
    expect(w.status).toBe(200);
    const retained = (date: string) =>
      declare(
        provider(),
        startedAttributes(p.participantId, { declaration_type: 'retained-1', declaration_date: date }),
        '2025-10-21T09:00:00Z',
      );
    const onIt = await retained('2025-10-20T12:00:00Z');
    expect(onIt.status).toBe(422);
    expect(onIt.body).toEqual(withdrawn('2025-10-20T12:00:00Z'));
    // Skipped when anything failed before it; the date checks still run.
    const alsoBad = await declare(
      provider(),
      startedAttributes(p.participantId, {
        declaration_type: 'retained-1',
        declaration_date: '2025-10-20 12:00:00',
      }),
      '2025-10-21T09:00:00Z',
    );
    expect(alsoBad.body).toEqual(withdrawn('2025-10-20T12:00:00Z'));
    expect((await retained('2025-10-20T11:59:59Z')).status).toBe(200);
  });

  it("a later resume lifts it (training's resume endpoint)", async () => {
    const p = await acceptedParticipant(system);
    await declareOk(provider(), startedAttributes(p.participantId));
    expect((await act(p.participantId, 'withdraw', '2025-10-12T12:00:00Z')).status).toBe(200);
    const retained = () =>
      declare(
        provider(),
        startedAttributes(p.participantId, {
          declaration_type: 'retained-1',
          declaration_date: '2025-10-14T10:00:00Z',
        }),
      );
    expect((await retained()).body).toEqual(withdrawn('2025-10-12T12:00:00Z'));
    expect((await act(p.participantId, 'resume', '2025-10-13T12:00:00Z')).status).toBe(200);
    expect((await retained()).status).toBe(200);
  });

  it('ignores a withdrawal recorded by another provider', async () => {
    // No endpoint lets another provider withdraw this provider's participant (it happens after a transfer),
    // so this test publishes the enrolment.training-status-changed event training emits.
    const p = await acceptedParticipant(system);
    await publishWithdrawal(system, p, '2025-10-05T12:00:00Z', BPN.id);
    expect((await declare(provider(), startedAttributes(p.participantId))).status).toBe(200);
    // The provider's own withdrawal on the same date (training's withdraw endpoint, after a started declaration) does.
    const q = await acceptedParticipant(system);
    await declareOk(
      provider(),
      startedAttributes(q.participantId, { declaration_date: '2025-10-01T10:00:00Z' }),
      '2025-10-02T09:00:00Z',
    );
    expect((await act(q.participantId, 'withdraw', '2025-10-05T12:00:00Z')).status).toBe(200);
    expect((await declare(provider(), startedAttributes(q.participantId))).body).toEqual(
      withdrawn('2025-10-05T12:00:00Z'),
    );
  });
});

describe('POST /api/v3/participant-declarations: changes made by the other services', () => {
  it("follows a schedule change (training): the new schedule's start applies", async () => {
    const p = await acceptedParticipant(system);
    const changed = await provider().put(
      `/api/v3/participants/npq/${p.participantId}/change-schedule`,
      {
        data: {
          type: 'participant-change-schedule',
          attributes: { course_identifier: 'npq-headship', schedule_identifier: 'npq-leadership-spring' },
        },
      },
      at('2025-09-20T09:00:00Z'),
    );
    expect(changed.status).toBe(200);
    const res = await declare(provider(), startedAttributes(p.participantId));
    expect(res.body).toEqual(errors(['declaration_date', M.dateBeforeStart]));
    const spring = await declare(
      provider(),
      startedAttributes(p.participantId, { declaration_date: '2026-01-05T10:00:00Z' }),
      '2026-01-06T09:00:00Z',
    );
    expect(spring.status).toBe(200);
  });

  it('follows a funded place change (applications): no funded place → submitted', async () => {
    const p = await acceptedParticipant(system);
    const changed = await provider().put(`/api/v3/npq-applications/${p.applicationId}/change-funded-place`, {
      data: { type: 'npq-application-change-funded-place', attributes: { funded_place: false } },
    });
    expect(changed.status).toBe(200);
    const d = await declareOk(provider(), startedAttributes(p.participantId));
    expect(d.attributes).toMatchObject({ state: 'submitted', statement_id: null });
  });
});

describe('POST /api/v3/participant-declarations: state at creation', () => {
  it('fundable → eligible, on a statement', async () => {
    const p = await acceptedParticipant(system);
    const d = await declareOk(provider(), startedAttributes(p.participantId));
    expect(d.attributes).toMatchObject({ state: 'eligible', ineligible_for_funding_reason: null });
    expect(d.attributes.statement_id).not.toBeNull();
  });

  it('funded_place false, or not eligible for funding → submitted, on no statement', async () => {
    const noPlace = await acceptedParticipant(system, {}, { accept: { funded_place: false } });
    const a = await declareOk(provider(), startedAttributes(noPlace.participantId));
    expect(a.attributes).toMatchObject({ state: 'submitted', statement_id: null });
    const ineligible = await acceptedParticipant(
      system,
      { eligible_for_funding: false },
      { accept: { funded_place: false } },
    );
    const b = await declareOk(provider(), startedAttributes(ineligible.participantId));
    expect(b.attributes).toMatchObject({ state: 'submitted', statement_id: null });
  });

  it('previously funded (another accepted, funded application for the course) → submitted', async () => {
    const first = await createAcceptedApplication(system, { cohort: '2024' }, { at: '2024-09-15T10:00:00Z' });
    const again = await createAcceptedApplication(
      system,
      { ...samePerson(first.attributes.participant_id), cohort: '2025' },
      { at: '2025-09-15T10:00:00Z' },
    );
    const d = await declareOk(provider(), startedAttributes(again.attributes.participant_id));
    expect(d.attributes).toMatchObject({ state: 'submitted', application_id: again.id });
  });

  it('a duplicate of another person\'s declaration (same TRN) → ineligible, "duplicate_declaration", no statement_id', async () => {
    const trn = String(2000000 + Math.floor(Math.random() * 7999999));
    const first = await createAcceptedApplication(
      system,
      { cohort: '2024', teacher_reference_number: trn },
      { at: '2024-09-15T10:00:00Z' },
    );
    const original = await declareOk(
      provider(),
      startedAttributes(first.attributes.participant_id, { declaration_date: '2024-10-10T10:00:00Z' }),
      '2024-10-15T09:00:00Z',
    );
    expect(original.attributes.state).toBe('eligible');
    const twin = await acceptedParticipant(system, {
      lead_provider_id: BPN.id,
      teacher_reference_number: trn,
      teacher_reference_number_validated: false,
    });
    const dup = await declareOk(system.provider(BPN.id), startedAttributes(twin.participantId));
    expect(dup.attributes).toMatchObject({
      state: 'ineligible',
      ineligible_for_funding_reason: 'duplicate_declaration',
      statement_id: null,
      clawback_statement_id: null,
    });
    // Another type is not a duplicate.
    const other = await declareOk(
      system.provider(BPN.id),
      startedAttributes(twin.participantId, { declaration_type: 'retained-1' }),
    );
    expect(other.attributes.state).toBe('eligible');
  });

  it("answers 200 with DfE's resource shape (validated against the OpenAPI document)", async () => {
    const p = await acceptedParticipant(system);
    const res = await provider().post(
      '/api/v3/participant-declarations',
      declarationBody(startedAttributes(p.participantId)),
      at('2025-10-15T09:00:00Z'),
    );
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toBe('application/json');
    expect(Object.keys(res.body.data)).toEqual(['id', 'type', 'attributes']);
    expect(Object.keys(res.body.data.attributes)).toEqual([
      'participant_id',
      'declaration_type',
      'course_identifier',
      'declaration_date',
      'state',
      'has_passed',
      'delivery_partner_id',
      'delivery_partner_name',
      'secondary_delivery_partner_id',
      'secondary_delivery_partner_name',
      'statement_id',
      'application_id',
      'clawback_statement_id',
      'uplift_paid',
      'lead_provider_name',
      'ineligible_for_funding_reason',
      'created_at',
      'updated_at',
    ]);
    expect(res.body.data.attributes).toMatchObject({
      participant_id: p.participantId,
      application_id: p.applicationId,
      course_identifier: 'npq-headship',
      lead_provider_name: 'Ambition Institute',
      uplift_paid: false,
      created_at: '2025-10-15T09:00:00Z',
    });
  });
});
