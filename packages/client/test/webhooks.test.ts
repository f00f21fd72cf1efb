import { createHmac } from 'node:crypto';
import { verifyWebhook, WebhookVerificationError } from '../src';

// The Standard Webhooks reference vector (the service's signer is checked against the same one).
const SECRET = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';
const ID = 'msg_p5jXN8AQM9LWM0D4loKWxJek';
const TS = 1614265330;
const BODY = '{"test": 2432232314}';
const SIGNATURE = 'v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=';
const AT = new Date(TS * 1000);

const headers = (overrides: Record<string, string> = {}) => ({
  'webhook-id': ID,
  'webhook-timestamp': String(TS),
  'webhook-signature': SIGNATURE,
  ...overrides,
});

function refusal(fn: () => unknown): string {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(WebhookVerificationError);
    return (error as Error).message;
  }
  throw new Error('not refused');
}

describe('verifyWebhook', () => {
  it('accepts the reference message and returns it parsed, from a string, a Buffer or fetch Headers', () => {
    expect(verifyWebhook(SECRET, headers(), BODY, { now: AT })).toEqual({ test: 2432232314 });
    expect(verifyWebhook(SECRET, headers(), Buffer.from(BODY), { now: AT })).toEqual({ test: 2432232314 });
    expect(verifyWebhook(SECRET, new Headers(headers()), BODY, { now: AT })).toEqual({ test: 2432232314 });
  });

  it('accepts any of several signatures and any of several secrets (rotation)', () => {
    const other = `whsec_${Buffer.from('another secret of 32 bytes......').toString('base64')}`;
    const both = headers({ 'webhook-signature': `v1,bm90IGl0 ${SIGNATURE}` });
    expect(verifyWebhook([other, SECRET], both, BODY, { now: AT })).toEqual({ test: 2432232314 });
  });

  it('refuses a changed body, id or timestamp, another secret, and missing headers', () => {
    expect(refusal(() => verifyWebhook(SECRET, headers(), '{"test": 1}', { now: AT }))).toBe(
      'no valid signature',
    );
    expect(refusal(() => verifyWebhook(SECRET, headers({ 'webhook-id': 'msg_x' }), BODY, { now: AT }))).toBe(
      'no valid signature',
    );
    const later = headers({ 'webhook-timestamp': String(TS + 1) });
    expect(refusal(() => verifyWebhook(SECRET, later, BODY, { now: AT }))).toBe('no valid signature');
    const wrong = `whsec_${Buffer.from('wrong').toString('base64')}`;
    expect(refusal(() => verifyWebhook(wrong, headers(), BODY, { now: AT }))).toBe('no valid signature');
    expect(refusal(() => verifyWebhook(SECRET, { 'webhook-id': ID }, BODY, { now: AT }))).toBe(
      'missing webhook headers',
    );
    const v2 = headers({ 'webhook-signature': SIGNATURE.replace('v1,', 'v2,') });
    expect(refusal(() => verifyWebhook(SECRET, v2, BODY, { now: AT }))).toBe('no valid signature');
  });

  it('refuses a message older or newer than the tolerance (replay)', () => {
    const late = new Date((TS + 301) * 1000);
    expect(refusal(() => verifyWebhook(SECRET, headers(), BODY, { now: late }))).toBe(
      'webhook-timestamp too far from now',
    );
    expect(verifyWebhook(SECRET, headers(), BODY, { now: late, toleranceSeconds: 400 })).toEqual({
      test: 2432232314,
    });
    expect(refusal(() => verifyWebhook(SECRET, headers({ 'webhook-timestamp': 'soon' }), BODY))).toBe(
      'bad webhook-timestamp',
    );
  });

  it('refuses a signed body that is not JSON', () => {
    const body = 'not json';
    const key = Buffer.from(SECRET.slice('whsec_'.length), 'base64');
    const sig = createHmac('sha256', key).update(`${ID}.${TS}.${body}`).digest('base64');
    expect(
      refusal(() => verifyWebhook(SECRET, headers({ 'webhook-signature': `v1,${sig}` }), body, { now: AT })),
    ).toBe('the body is not JSON');
  });
});
