import { safeNext } from '../src/auth/routes';
import { age, money } from '../src/format';
import { stripQuery } from '../src/logger';
import { SessionKeys } from '../src/session/keys';
import { paymentsChart, progressOf } from '../src/statements/chart';

describe('session keys', () => {
  const keys = new SessionKeys('a-console-session-secret');

  it('signs a cookie value and refuses a tampered one or another secret', () => {
    const id = SessionKeys.randomId();
    const signed = keys.sign(id);
    expect(keys.unsign(signed)).toBe(id);
    expect(keys.unsign(`${id}x.${signed.split('.').at(-1)}`)).toBeUndefined();
    expect(new SessionKeys('another-console-secret').unsign(signed)).toBeUndefined();
    expect(keys.unsign('no-signature')).toBeUndefined();
  });

  it('seals the admin token so that only this secret opens it', () => {
    const sealed = keys.seal('the-admin-token');
    expect(sealed).not.toContain('the-admin-token');
    expect(keys.open(sealed)).toBe('the-admin-token');
    expect(new SessionKeys('another-console-secret').open(sealed)).toBeUndefined();
    expect(keys.open('garbage')).toBeUndefined();
  });

  it('names an operator by a stable digest that does not reveal the token', () => {
    const id = keys.operatorId('the-admin-token');
    expect(id).toMatch(/^op_[0-9a-f]{16}$/);
    expect(keys.operatorId('the-admin-token')).toBe(id);
    expect(keys.operatorId('another-token')).not.toBe(id);
  });
});

describe('where sign-in leads', () => {
  it.each([
    ['/statements?state=payable', '/statements?state=payable'],
    ['//evil.example/', '/'],
    ['/\\evil.example', '/'],
    ['https://evil.example/', '/'],
    ['/sign-in', '/'],
    [undefined, '/'],
  ])('%s → %s', (next, expected) => {
    expect(safeNext(next)).toBe(expected);
  });
});

describe('the payments chart', () => {
  const statements = [
    { id: 'b', month: 'February', year: '2026', total: '100.00', state: 'paid' },
    { id: 'a', month: 'December', year: '2025', total: '250.50', state: 'paid' },
    { id: 'c', month: 'March', year: '2026', total: '-40.00', state: 'payable' },
  ];

  it('puts the months in order, marks this statement, scales to a round top and draws negatives at zero', () => {
    const chart = paymentsChart(statements, 'b');
    expect(chart.bars.map((b) => b.label)).toEqual(['December 2025', 'February 2026', 'March 2026']);
    expect(chart.bars.map((b) => b.current)).toEqual([false, true, false]);
    expect(chart.ticks.at(-1)!.text).toBe('£300');
    const [dec, feb, mar] = chart.bars;
    expect(dec!.height).toBeGreaterThan(feb!.height);
    expect(mar!.height).toBe(0);
    expect(mar!.valueText).toBe('-£40.00');
  });

  it('follows a statement to paid', () => {
    expect(progressOf({ state: 'open', marked_as_paid_at: null })).toBe('open');
    expect(progressOf({ state: 'payable', marked_as_paid_at: null })).toBe('payable');
    expect(progressOf({ state: 'payable', marked_as_paid_at: '2026-01-01T00:00:00Z' })).toBe('authorised');
    expect(progressOf({ state: 'paid', marked_as_paid_at: '2026-01-01T00:00:00Z' })).toBe('paid');
  });
});

describe('display and logs', () => {
  it('formats money and ages', () => {
    expect(money('1234.5')).toBe('£1,234.50');
    expect(money(null)).toBe('–');
    expect(age(45)).toBe('45 s');
    expect(age(3 * 3600 + 5 * 60)).toBe('3 h 5 min');
    expect(age(null)).toBe('–');
  });

  it('logs request URLs without their query string (a search term is personal data)', () => {
    expect(stripQuery('/participants?q=someone@example.com')).toBe('/participants?[query]');
    expect(stripQuery('/statements')).toBe('/statements');
  });
});
