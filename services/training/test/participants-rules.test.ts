import type { Outcome } from '../src/outcomes/entity';
import { participantUpdatedAt, shownState, shownTrn } from '../src/participants/rules';
import { qualificationsOf } from '../src/qualifications/rules';

const at = (iso: string) => new Date(iso);

describe('participant', () => {
  it('updated_at is the latest of the person, their applications and their id changes', () => {
    const person = { significantlyUpdatedAt: at('2026-01-01T00:00:00Z'), applications: [], idChanges: [] };
    expect(participantUpdatedAt(person)).toEqual(at('2026-01-01T00:00:00Z'));
    expect(
      participantUpdatedAt({
        ...person,
        applications: [{ updatedAt: at('2026-03-01T00:00:00Z') }, { updatedAt: at('2025-01-01T00:00:00Z') }],
        idChanges: [{ updatedAt: at('2026-02-01T00:00:00Z') }],
      }),
    ).toEqual(at('2026-03-01T00:00:00Z'));
    expect(
      participantUpdatedAt({ ...person, idChanges: [{ updatedAt: at('2026-04-01T00:00:00Z') }] }),
    ).toEqual(at('2026-04-01T00:00:00Z'));
  });

  it('shows the latest withdrawal or deferral only while the enrolment is in that status', () => {
    const states = [
      { state: 'withdrawn', reason: 'other', createdAt: at('2026-02-01T00:00:00Z') },
      { state: 'deferred', reason: 'bereavement', createdAt: at('2026-01-15T00:00:00Z') },
      { state: 'withdrawn', reason: 'moved-school', createdAt: at('2026-01-01T00:00:00Z') },
    ];
    expect(shownState('withdrawn', 'withdrawn', states)).toEqual({
      reason: 'other',
      date: at('2026-02-01T00:00:00Z'),
    });
    expect(shownState('withdrawn', 'deferred', states)).toBeNull();
    expect(shownState('deferred', 'deferred', states)).toEqual({
      reason: 'bereavement',
      date: at('2026-01-15T00:00:00Z'),
    });
    expect(shownState('active', 'withdrawn', states)).toBeNull();
    expect(shownState('withdrawn', 'withdrawn', [])).toBeNull();
  });

  it('shows a TRN only once validated', () => {
    expect(shownTrn({ trn: '1234567', trnVerified: true })).toBe('1234567');
    expect(shownTrn({ trn: '1234567', trnVerified: false })).toBeNull();
  });
});

describe('qualifications of a TRN', () => {
  let seq = 0;
  const outcome = (o: Partial<Outcome>): Outcome => ({
    seq: String(++seq),
    id: `o${seq}`,
    declarationId: 'd1',
    applicationId: 'a1',
    leadProviderId: 'lp',
    courseIdentifier: 'npq-headship',
    state: 'passed',
    completionDate: '2026-06-01',
    createdAt: at('2026-06-02T00:00:00Z'),
    updatedAt: at('2026-06-02T00:00:00Z'),
    ...o,
  });

  it('lists every pass newest first, then by course, each course and date once', () => {
    const a = outcome({
      declarationId: 'd1',
      courseIdentifier: 'npq-headship',
      completionDate: '2025-06-01',
    });
    const b = outcome({ declarationId: 'd2', courseIdentifier: 'npq-senior-leadership' });
    const c = outcome({ declarationId: 'd3', courseIdentifier: 'npq-headship' });
    const again = outcome({ declarationId: 'd4', courseIdentifier: 'npq-headship' });
    const currentOf = new Map([a, b, c, again].map((o) => [o.declarationId, o]));
    expect(qualificationsOf({ passes: [a, b, c, again], currentOf })).toEqual([
      { awardDate: '2026-06-01', npqType: 'NPQH' },
      { awardDate: '2026-06-01', npqType: 'NPQSL' },
      { awardDate: '2025-06-01', npqType: 'NPQH' },
    ]);
  });

  it('leaves out a pass whose declaration was voided since, but not one that failed since', () => {
    const voided = outcome({ declarationId: 'd1' });
    const failedLater = outcome({ declarationId: 'd2', courseIdentifier: 'npq-senior-leadership' });
    const currentOf = new Map([
      ['d1', outcome({ declarationId: 'd1', state: 'voided' })],
      ['d2', outcome({ declarationId: 'd2', state: 'failed' })],
    ]);
    expect(qualificationsOf({ passes: [voided, failedLater], currentOf })).toEqual([
      { awardDate: '2026-06-01', npqType: 'NPQSL' },
    ]);
  });
});
