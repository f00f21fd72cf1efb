import { addressRefusal, eventTypesRefusal, isPrivate, urlRefusal } from '../src/subscriptions/rules';
import { DELIVERY_BACKOFF, isDelivered, ONE_DAY_MS, retryDelay, sign } from '../src/deliveries/rules';

const publicOnly = async () => ['93.184.216.34'];
const rebinds = async () => ['93.184.216.34', '10.1.2.3'];
const loopback = async () => ['127.0.0.1'];

describe('endpoint rules (SSRF; docs/webhooks.md, "Endpoints")', () => {
  it('outside the sandbox: https only, public addresses only', async () => {
    expect(urlRefusal('http://provider.example/hook', false)).toBe('must use https');
    expect(urlRefusal('https://provider.example/hook', false)).toBeUndefined();
    expect(await addressRefusal('https://provider.example/hook', false, publicOnly)).toBeUndefined();
    expect(await addressRefusal('https://provider.example/hook', false, loopback)).toMatch(/private/);
    expect(await addressRefusal('https://provider.example/hook', false, rebinds)).toMatch(/private/);
    expect(await addressRefusal('https://127.0.0.1/hook', false)).toMatch(/private/);
    expect(await addressRefusal('https://[::1]/hook', false)).toMatch(/private/);
    expect(await addressRefusal('https://169.254.169.254/', false)).toMatch(/private/);
  });

  it('in the sandbox: http and https to loopback allowed, private ranges still refused', async () => {
    expect(urlRefusal('http://127.0.0.1:9000/hook', true)).toBeUndefined();
    expect(await addressRefusal('http://127.0.0.1:9000/hook', true)).toBeUndefined();
    expect(await addressRefusal('http://localhost/hook', true, loopback)).toBeUndefined();
    expect(await addressRefusal('http://10.0.0.1/hook', true)).toMatch(/private/);
    expect(await addressRefusal('http://provider.example/hook', true, publicOnly)).toBe('must use https');
    expect(await addressRefusal('https://provider.example/hook', true, publicOnly)).toBeUndefined();
  });

  it('knows the private, loopback, link-local, CGNAT and mapped ranges', () => {
    for (const a of [
      '10.0.0.1',
      '172.16.5.4',
      '192.168.0.1',
      '127.0.0.1',
      '169.254.1.1',
      '100.64.0.1',
      '0.0.0.0',
    ]) {
      expect(isPrivate(a)).toBe(true);
    }
    for (const a of ['::1', 'fe80::1', 'fd12::1', '::ffff:10.0.0.1', '::']) expect(isPrivate(a)).toBe(true);
    for (const a of ['93.184.216.34', '2606:2800:220:1::']) expect(isPrivate(a)).toBe(false);
  });

  it('refuses unparseable URLs, credentials, and unknown or repeated event types', () => {
    expect(urlRefusal('nope', true)).toBe('must be a valid URL');
    expect(urlRefusal('https://u:p@provider.example/', false)).toBe('must not contain credentials');
    expect(urlRefusal(42, false)).toBe("can't be blank");
    expect(eventTypesRefusal([])).toMatch(/non-empty/);
    expect(eventTypesRefusal(['application.created', 'application.created'])).toMatch(/repeat/);
    expect(eventTypesRefusal(['nope'])).toMatch(/one of/);
    expect(eventTypesRefusal(['statement.paid'])).toBeUndefined();
  });
});

describe('delivery rules', () => {
  it('signs as the Standard Webhooks reference vector', () => {
    expect(
      sign(
        'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw',
        'msg_p5jXN8AQM9LWM0D4loKWxJek',
        1614265330,
        '{"test": 2432232314}',
      ),
    ).toBe('v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=');
  });

  it('backs off exponentially with jitter, capped, and keeps retrying for more than a day', () => {
    const s = DELIVERY_BACKOFF;
    expect(retryDelay(1, s, () => 0)).toBe(s.baseMs / 2);
    expect(retryDelay(1, s, () => 1)).toBe(s.baseMs);
    expect(retryDelay(3, s, () => 1)).toBe(s.baseMs * 4);
    expect(retryDelay(40, s, () => 1)).toBe(s.maxMs);
    expect(s.giveUpAfterMs).toBeGreaterThan(ONE_DAY_MS);
    // The last attempt lands after a full day even if every jittered delay is the shortest.
    let elapsed = 0;
    let attempts = 0;
    while (elapsed + retryDelay(attempts + 1, s, () => 0) <= s.giveUpAfterMs) {
      attempts++;
      elapsed += retryDelay(attempts, s, () => 0);
    }
    expect(elapsed).toBeGreaterThan(ONE_DAY_MS);
  });

  it('counts only 2xx as delivered', () => {
    expect(isDelivered(200)).toBe(true);
    expect(isDelivered(204)).toBe(true);
    expect(isDelivered(301)).toBe(false);
    expect(isDelivered(500)).toBe(false);
    expect(isDelivered(null)).toBe(false);
  });
});
