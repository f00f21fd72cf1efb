import { addCalendarDays } from '@npq/contracts';
import { startSystem, type System } from '../support/system';
import { AMBITION, CHURCH, createApplication, intakeBody, samePerson } from '../support/fixtures';
import { adminStatements, at } from '../support/finance';

/**
 * Retry-safe admin writes (issue "Reliability", defect 5): an `Idempotency-Key` makes a client's retry
 * (after a 5xx or a timeout on a request that had in fact committed) replay the first answer instead of
 * doing the effect again. Through the gateway, as a DfE operator's client would.
 */
let system: System;
beforeAll(async () => {
  system = await startSystem();
});
afterAll(async () => {
  await system?.close();
});

let n = 0;
const newKey = (what: string) => `${what}-${++n}-${Date.now()}`;
const withKey = (key: string, extra: Record<string, string> = {}) => ({
  headers: { 'idempotency-key': key, ...extra },
});

async function applicationsOf(participantId: string): Promise<number> {
  const rows: { n: string }[] = await system.services.applications.runtime.orm.em
    .fork()
    .execute(`select count(*)::text as n from applications.applications where person_id = ?`, [
      participantId,
    ]);
  return Number(rows[0]!.n);
}

const REUSED = {
  errors: [
    {
      title: 'Idempotency-Key',
      detail:
        'The Idempotency-Key was already used for a different request (method, path or body); use a new key for a new request',
    },
  ],
};

describe('POST /admin/v1/npq-applications with an Idempotency-Key', () => {
  it('without a key, a retry of a committed intake makes a second application (why keys exist)', async () => {
    const first = await createApplication(system.admin);
    const participantId = first.attributes.participant_id as string;
    const body = intakeBody({ ...samePerson(participantId), course_identifier: 'npq-senior-leadership' });
    expect((await system.admin.post('/admin/v1/npq-applications', body)).status).toBe(201);
    expect((await system.admin.post('/admin/v1/npq-applications', body)).status).toBe(201);
    expect(await applicationsOf(participantId)).toBe(3);
  });

  it('a retry with the same key replays the first answer and makes no second application', async () => {
    const first = await createApplication(system.admin);
    const participantId = first.attributes.participant_id as string;
    const body = intakeBody({ ...samePerson(participantId), course_identifier: 'npq-senior-leadership' });
    const key = newKey('intake');
    const created = await system.admin.post('/admin/v1/npq-applications', body, withKey(key));
    expect(created.status).toBe(201);
    expect(created.headers['idempotent-replayed']).toBeUndefined();

    const retried = await system.admin.post('/admin/v1/npq-applications', body, withKey(key));
    expect(retried.status).toBe(201);
    expect(retried.headers['idempotent-replayed']).toBe('true');
    expect(retried.text).toBe(created.text);
    expect(await applicationsOf(participantId)).toBe(2);

    // The same key for another body is refused, and does nothing.
    const other = intakeBody({ ...samePerson(participantId), course_identifier: 'npq-headship' });
    const reused = await system.admin.post('/admin/v1/npq-applications', other, withKey(key));
    expect(reused.status).toBe(422);
    expect(reused.body).toEqual(REUSED);
    expect(await applicationsOf(participantId)).toBe(2);
  });

  it('a retry sent while the first request is still running waits for it: one application', async () => {
    const first = await createApplication(system.admin);
    const participantId = first.attributes.participant_id as string;
    const body = intakeBody({ ...samePerson(participantId), course_identifier: 'npq-leading-teaching' });
    const key = newKey('intake-concurrent');
    const answers = await Promise.all(
      [1, 2, 3].map(() => system.admin.post('/admin/v1/npq-applications', body, withKey(key))),
    );
    expect(answers.map((a) => a.status)).toEqual([201, 201, 201]);
    expect(new Set(answers.map((a) => a.text)).size).toBe(1);
    expect(answers.filter((a) => a.headers['idempotent-replayed'] === 'true')).toHaveLength(2);
    expect(await applicationsOf(participantId)).toBe(2);
  });

  it('a refused intake stores nothing: the same key with a corrected body creates it', async () => {
    const key = newKey('intake-refused');
    const bad = await system.admin.post(
      '/admin/v1/npq-applications',
      intakeBody({ course_identifier: 'npq-nonsense' }),
      withKey(key),
    );
    expect(bad.status).toBe(422);
    const good = await system.admin.post('/admin/v1/npq-applications', intakeBody(), withKey(key));
    expect(good.status).toBe(201);
    expect(good.headers['idempotent-replayed']).toBeUndefined();
  });

  it('refuses a malformed key with a 400', async () => {
    const res = await system.admin.post('/admin/v1/npq-applications', intakeBody(), withKey('k'.repeat(256)));
    expect(res.status).toBe(400);
    expect(res.body).toEqual({
      errors: [
        {
          title: 'Bad request',
          detail: 'The Idempotency-Key header must be one value of 1 to 255 visible ASCII characters',
        },
      ],
    });
  });
});

describe('the other admin writes replay under a key', () => {
  it('POST /admin/v1/participants/{id}/merge', async () => {
    const a = await createApplication(system.admin);
    const b = await createApplication(system.admin);
    const body = {
      data: { type: 'participant-merge', attributes: { into_participant_id: b.attributes.participant_id } },
    };
    const url = `/admin/v1/participants/${a.attributes.participant_id}/merge`;
    const key = newKey('merge');
    const merged = await system.admin.post(url, body, withKey(key));
    expect(merged.status).toBe(200);
    const retried = await system.admin.post(url, body, withKey(key));
    expect(retried.status).toBe(200);
    expect(retried.headers['idempotent-replayed']).toBe('true');
    expect(retried.text).toBe(merged.text);
    // Without the key the retry is the natural 422 (the participant is already retired).
    expect((await system.admin.post(url, body)).status).toBe(422);
  });

  it('POST /admin/v1/delivery-partners and its partnerships', async () => {
    const key = newKey('partner');
    const body = { data: { type: 'delivery-partner', attributes: { name: `Partner ${key}` } } };
    const created = await system.admin.post('/admin/v1/delivery-partners', body, withKey(key));
    expect(created.status).toBe(201);
    const retried = await system.admin.post('/admin/v1/delivery-partners', body, withKey(key));
    expect(retried.status).toBe(201);
    expect(retried.headers['idempotent-replayed']).toBe('true');
    expect(retried.body.data.id).toBe(created.body.data.id);
    const all = await system.admin.get('/admin/v1/delivery-partners?page[per_page]=3000');
    expect(all.body.data.filter((p: any) => p.attributes.name === `Partner ${key}`)).toHaveLength(1);

    const url = `/admin/v1/delivery-partners/${created.body.data.id}/partnerships`;
    const partnership = {
      data: { type: 'delivery-partnership', attributes: { lead_provider_id: AMBITION.id, cohort: '2025' } },
    };
    const linkKey = newKey('partnership');
    const linked = await system.admin.post(url, partnership, withKey(linkKey));
    expect(linked.status).toBe(201);
    const relinked = await system.admin.post(url, partnership, withKey(linkKey));
    expect(relinked.status).toBe(201);
    expect(relinked.headers['idempotent-replayed']).toBe('true');
    expect(relinked.text).toBe(linked.text);
  });

  it('POST /admin/v1/finance/statement-cutoffs and /admin/v1/statements/{id}/authorise-payment', async () => {
    const statement = (await adminStatements(system, CHURCH.id, '2023')).find(
      (s) => s.attributes.output_fee,
    )!;
    const dayAfter = addCalendarDays(statement.attributes.cut_off_date as string, 1);
    const cutoffBody = { data: { type: 'statement-cutoff', attributes: { as_of: dayAfter } } };
    const cutoffKey = newKey('cutoff');
    const cutoff = await system.admin.post(
      '/admin/v1/finance/statement-cutoffs',
      cutoffBody,
      withKey(cutoffKey),
    );
    expect(cutoff.status).toBe(200);
    expect(cutoff.body.data.attributes.statements_marked_payable).toBeGreaterThan(0);
    const cutoffAgain = await system.admin.post(
      '/admin/v1/finance/statement-cutoffs',
      cutoffBody,
      withKey(cutoffKey),
    );
    expect(cutoffAgain.status).toBe(200);
    expect(cutoffAgain.headers['idempotent-replayed']).toBe('true');
    // The first run's id and counts, not a second run's (which would have moved nothing).
    expect(cutoffAgain.text).toBe(cutoff.text);

    const url = `/admin/v1/statements/${statement.id}/authorise-payment`;
    const key = newKey('authorise');
    const authorised = await system.admin.post(
      url,
      undefined,
      withKey(key, at(`${dayAfter}T09:00:00Z`).headers),
    );
    expect(authorised.status).toBe(202);
    const again = await system.admin.post(url, undefined, withKey(key, at(`${dayAfter}T09:00:00Z`).headers));
    expect(again.status).toBe(202);
    expect(again.headers['idempotent-replayed']).toBe('true');
    expect(again.text).toBe(authorised.text);
    // Without a key, authorising twice is DfE's 422.
    expect((await system.admin.post(url, undefined, at(`${dayAfter}T09:00:00Z`))).status).toBe(422);
  });
});
