import { AttributeReader } from '@npq/service-kit';
import {
  mergeClash,
  planIdentityChange,
  takesNewEmail,
  type Identity,
  type MergeCandidate,
} from '../src/people/rules';
import { readIdentityChange } from '../src/people/validation';
import { linesOf } from './errors';

const person: Identity = {
  fullName: 'Ada Lovelace',
  email: 'ada@example.com',
  trn: '1234567',
  trnVerified: true,
  previousNames: ['Ada Byron'],
};

describe('identity change', () => {
  it('changes nothing when every value sent equals the person’s', () => {
    expect(planIdentityChange(person, {})).toBeNull();
    expect(
      planIdentityChange(person, { fullName: 'Ada Lovelace', email: 'ada@example.com', trn: '1234567' }),
    ).toBeNull();
  });

  it('keeps the old name in previous_names (once, last)', () => {
    expect(planIdentityChange(person, { fullName: 'Ada King' })).toEqual({
      ...person,
      fullName: 'Ada King',
      previousNames: ['Ada Byron', 'Ada Lovelace'],
    });
    // The name being replaced is never listed twice.
    const again = planIdentityChange(
      { ...person, fullName: 'Ada King', previousNames: ['Ada King', 'Ada Byron'] },
      { fullName: 'Ada Lovelace' },
    );
    expect(again?.previousNames).toEqual(['Ada Byron', 'Ada King']);
  });

  it('starts a new TRN unvalidated unless validation is sent with it', () => {
    expect(planIdentityChange(person, { trn: '7654321' })).toMatchObject({
      trn: '7654321',
      trnVerified: false,
    });
    expect(planIdentityChange(person, { trn: '7654321', trnVerified: true })).toMatchObject({
      trn: '7654321',
      trnVerified: true,
    });
    // The same TRN keeps its validation.
    expect(planIdentityChange(person, { trn: '1234567' })).toBeNull();
  });

  it('refuses a validated TRN without a TRN', () => {
    expect(linesOf(() => planIdentityChange(person, { trn: null, trnVerified: true }))).toEqual([
      "teacher_reference_number_validated: A TRN can only be validated when '#/teacher_reference_number' is given",
    ]);
    // Clearing the TRN drops its validation.
    expect(planIdentityChange(person, { trn: null })).toMatchObject({ trn: null, trnVerified: false });
  });

  it('checks an email for clashes only when it is a different address, case-insensitively', () => {
    expect(takesNewEmail(person, { email: 'ADA@example.com' })).toBe(false);
    expect(takesNewEmail(person, { email: 'lovelace@example.com' })).toBe(true);
    expect(takesNewEmail(person, { email: null })).toBe(false);
    expect(takesNewEmail({ email: null }, { email: 'ada@example.com' })).toBe(true);
    // A case-only change is still a change of the stored address.
    expect(planIdentityChange(person, { email: 'ADA@example.com' })).toMatchObject({
      email: 'ADA@example.com',
    });
  });

  it('reads the identity attributes, recording each problem', () => {
    const read = (attrs: Record<string, unknown>) => {
      const r = new AttributeReader(attrs);
      return { change: readIdentityChange(r), errors: r.errors.items().map((e) => e.title) };
    };
    expect(read({ full_name: ' Ada ', email: null, teacher_reference_number: '7654321' })).toEqual({
      change: { fullName: 'Ada', email: null, trn: '7654321' },
      errors: [],
    });
    expect(
      read({
        full_name: '',
        email: 'not-an-email',
        teacher_reference_number: '12',
        teacher_reference_number_validated: 'yes',
      }).errors,
    ).toEqual(['full_name', 'email', 'teacher_reference_number', 'teacher_reference_number_validated']);
    expect(read({ teacher_reference_number_validated: null }).errors).toEqual([
      'teacher_reference_number_validated',
    ]);
  });
});

describe('merge clash', () => {
  const app = (o: Partial<MergeCandidate>): MergeCandidate => ({
    courseIdentifier: 'npq-headship',
    cohortIdentifier: '2025a',
    status: 'accepted',
    trainingStatus: 'active',
    ...o,
  });

  it('finds two live accepted applications for one course and cohort', () => {
    expect(mergeClash([app({})], [app({})])).toEqual(app({}));
    expect(
      mergeClash(
        [app({ courseIdentifier: 'npq-additional-support-offer' })],
        [app({ courseIdentifier: 'npq-early-headship-coaching-offer', trainingStatus: null })],
      ),
    ).toBeDefined();
  });

  it('lets through other cohorts, other courses, withdrawn and unaccepted applications', () => {
    expect(mergeClash([app({})], [app({ cohortIdentifier: '2024a' })])).toBeUndefined();
    expect(mergeClash([app({})], [app({ courseIdentifier: 'npq-senco' })])).toBeUndefined();
    expect(mergeClash([app({ trainingStatus: 'withdrawn' })], [app({})])).toBeUndefined();
    expect(mergeClash([app({})], [app({ status: 'rejected' })])).toBeUndefined();
    expect(mergeClash([], [app({})])).toBeUndefined();
  });
});
