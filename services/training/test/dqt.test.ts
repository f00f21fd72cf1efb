import { attemptsToCover, backoffDelay, DQT_BACKOFF, ONE_DAY_MS } from '../src/jobs/backoff';
import { redactExcerpt } from '../src/jobs/dqt-client';
import { judge, pushFor, retryRefusal, stateAfterAttempt } from '../src/dqt/rules';

describe('DQT retry timing', () => {
  it('retries first within 10 s, doubling, capped at an hour', () => {
    const highest = () => 0.999999;
    expect(backoffDelay(1, DQT_BACKOFF, highest)).toBeLessThanOrEqual(10_000);
    expect(backoffDelay(1, DQT_BACKOFF, () => 0)).toBeGreaterThan(0);
    expect(backoffDelay(2, DQT_BACKOFF, highest)).toBeCloseTo(2 * backoffDelay(1, DQT_BACKOFF, highest), -1);
    for (const n of [11, 20, 40, 100]) {
      expect(backoffDelay(n, DQT_BACKOFF, highest)).toBeLessThanOrEqual(3_600_000);
      expect(backoffDelay(n, DQT_BACKOFF, () => 0)).toBeGreaterThanOrEqual(0.75 * 3_600_000);
    }
  });

  it('jitters each delay between 75% and 100% of the exponential value', () => {
    const samples = Array.from({ length: 200 }, () => backoffDelay(3, DQT_BACKOFF));
    expect(Math.min(...samples)).toBeGreaterThanOrEqual(0.75 * 20_000);
    expect(Math.max(...samples)).toBeLessThanOrEqual(20_000);
    expect(new Set(samples).size).toBeGreaterThan(10);
  });

  it('keeps retrying for at least a day even with the least jitter', () => {
    const attempts = attemptsToCover(ONE_DAY_MS, DQT_BACKOFF);
    let total = 0;
    for (let n = 1; n < attempts; n++) total += backoffDelay(n, DQT_BACKOFF, () => 0);
    expect(total).toBeGreaterThanOrEqual(ONE_DAY_MS);
    // …and not absurdly longer.
    expect(total).toBeLessThan(ONE_DAY_MS + 3_600_000);
  });
});

describe('DQT answers', () => {
  it('204 is sent; 429, 5xx and no answer retry; anything else fails for good', () => {
    expect(judge({ kind: 'response', status: 204, body: '' })).toEqual({
      state: 'sent',
      statusCode: 204,
      error: null,
      excerpt: null,
    });
    for (const status of [429, 500, 502, 503, 504])
      expect(judge({ kind: 'response', status, body: '' }).state).toBe('retry');
    expect(judge({ kind: 'network', error: 'ECONNREFUSED' })).toEqual({
      state: 'retry',
      statusCode: null,
      error: 'ECONNREFUSED',
      excerpt: null,
    });
    for (const status of [200, 201, 301, 400, 401, 403, 404, 409, 422])
      expect(judge({ kind: 'response', status, body: 'x' }).state).toBe('failed');
    expect(judge({ kind: 'response', status: 400, body: 'bad' }).error).toBe('DQT answered 400: bad');
  });

  it('keeps no personal data in excerpts and cuts them short', () => {
    expect(redactExcerpt('TRN 1234567 for jane.doe+x@school.example.org (Jane)')).toBe(
      'TRN [number] for [email] (Jane)',
    );
    expect(redactExcerpt('a\n\n  b')).toBe('a b');
    const long = redactExcerpt('x'.repeat(500));
    expect(long).toHaveLength(200);
    expect(long.endsWith('…')).toBe(true);
    // Dates survive.
    expect(redactExcerpt('completed 2026-06-01')).toBe('completed 2026-06-01');
  });
});

describe('what DQT hears about', () => {
  const validated = { trn: '1234567', trnVerified: true };
  const pass = {
    courseIdentifier: 'npq-senior-leadership',
    state: 'passed' as const,
    completionDate: '2026-06-01',
  };

  it('a pass of a validated TRN goes out with its date and the short code', () => {
    expect(pushFor(pass, validated, false)).toEqual({
      trn: '1234567',
      courseIdentifier: 'npq-senior-leadership',
      qualificationType: 'NPQSL',
      completionDate: '2026-06-01',
    });
  });

  it('a fail or void only retracts a pass that went (or is going) out', () => {
    for (const state of ['failed', 'voided'] as const) {
      expect(pushFor({ ...pass, state }, validated, false)).toBeNull();
      expect(pushFor({ ...pass, state }, validated, true)).toMatchObject({ completionDate: null });
    }
  });

  it('nothing without a validated TRN, nor for a course without outcomes', () => {
    expect(pushFor(pass, { trn: '1234567', trnVerified: false }, false)).toBeNull();
    expect(pushFor(pass, { trn: null, trnVerified: true }, false)).toBeNull();
    expect(pushFor(pass, null, false)).toBeNull();
    expect(
      pushFor({ ...pass, courseIdentifier: 'npq-early-headship-coaching-offer' }, validated, false),
    ).toBeNull();
  });
});

describe('admin retry and attempt results', () => {
  it('refuses a sent delivery and a failed one whose outcome was superseded; a pending one may go again', () => {
    expect(retryRefusal({ state: 'sent', outcomeId: 'o1' }, 'o1')).toMatchObject({ title: 'state' });
    expect(retryRefusal({ state: 'failed', outcomeId: 'o1' }, 'o2')).toMatchObject({ title: 'outcome_id' });
    expect(retryRefusal({ state: 'failed', outcomeId: 'o1' }, 'o1')).toBeNull();
    expect(retryRefusal({ state: 'pending', outcomeId: 'o1' }, 'o2')).toBeNull();
  });

  it('only a pending delivery changes state; a retry keeps it pending', () => {
    expect(stateAfterAttempt('pending', 'sent')).toBe('sent');
    expect(stateAfterAttempt('pending', 'retry')).toBe('pending');
    expect(stateAfterAttempt('pending', 'failed')).toBe('failed');
    expect(stateAfterAttempt('sent', 'failed')).toBe('sent');
    expect(stateAfterAttempt('failed', 'sent')).toBe('failed');
  });
});
