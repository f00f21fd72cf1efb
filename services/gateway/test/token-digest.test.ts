import { bootstrapToken, digestToken, generateToken, tokenFromHeader } from '../src/tokens/token-digest';

describe('token digests', () => {
  it('is a keyed SHA-256 HMAC, hex', () => {
    expect(digestToken('secret', 'abc')).toBe(
      '9946dad4e00e913fc8be8e5d3f7e110a4a9e832f83fb09c345285d78638d8a0e',
    );
    expect(digestToken('other', 'abc')).not.toBe(digestToken('secret', 'abc'));
  });

  it('generates 32 URL-safe random characters', () => {
    const a = generateToken();
    expect(a).toMatch(/^[A-Za-z0-9_-]{32}$/);
    expect(generateToken()).not.toBe(a);
  });

  it('derives stable bootstrap tokens per provider and admin token', () => {
    const a = bootstrapToken('admin', '9e35e998-c63b-4136-89c4-e9e18ddde0ea');
    expect(a).toBe(bootstrapToken('admin', '9e35e998-c63b-4136-89c4-e9e18ddde0ea'));
    expect(a).not.toBe(bootstrapToken('admin', '57ba9e86-559f-4ff4-a6d2-4610c7259b67'));
    expect(a).not.toBe(bootstrapToken('other-admin', '9e35e998-c63b-4136-89c4-e9e18ddde0ea'));
    expect(a).toHaveLength(32);
  });

  it.each([
    ['Bearer abc', 'abc'],
    ['Token abc', 'abc'],
    ['Token token="abc"', 'abc'],
    ['Bearer   abc  ', 'abc'],
    ['bearer abc', undefined],
    ['Basic abc', undefined],
    ['Bearer ', undefined],
    ['Token token=""', undefined],
    [undefined, undefined],
    // Rails' token_and_options: `token=` with or without quotes under either scheme, and parameters after
    // `,`, `;` or a tab are not part of the token.
    ['Token token=abc', 'abc'],
    ['Bearer token="abc"', 'abc'],
    ['Token token="abc", nonce="def"', 'abc'],
    ['Bearer abc, realm="npq"', 'abc'],
    ['Token abc;x=y', 'abc'],
    ['Bearer abc==', 'abc=='],
    ['Bearer token=', undefined],
    ['Bearer', undefined],
  ])('reads %j as %j', (header, token) => {
    expect(tokenFromHeader(header)).toBe(token);
  });
});
