import {
  enableSandboxIds,
  newId,
  runWithIdSeed,
  sandboxId,
  SANDBOX_ID_NAMESPACE,
  uuidV5,
} from '../src/sandbox-ids';

const UUID_V4_OR_V5 = /^[0-9a-f]{8}-[0-9a-f]{4}-[45][0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

describe('sandbox ids', () => {
  afterEach(() => enableSandboxIds(false));

  it('uuidV5 is RFC 4122 version 5 (the DNS namespace test vector)', () => {
    expect(uuidV5('python.org', '6ba7b810-9dad-11d1-80b4-00c04fd430c8')).toBe(
      '886313e1-3b8a-5372-9b90-0c9aee199e5d',
    );
  });

  it('derives an id from a seed key and a kind in the sandbox namespace', () => {
    expect(sandboxId('lp/person/intake', 'participant')).toBe(
      uuidV5('lp/person/intake#participant', SANDBOX_ID_NAMESPACE),
    );
    expect(sandboxId('lp/person/intake', 'participant')).not.toBe(
      sandboxId('lp/person/intake', 'application'),
    );
  });

  it('outside the sandbox, ids are random whatever the seed', () => {
    enableSandboxIds(false);
    const a = runWithIdSeed('lp/person/intake', () => newId('participant'));
    const b = runWithIdSeed('lp/person/intake', () => newId('participant'));
    expect(a).toMatch(UUID_V4_OR_V5);
    expect(a).not.toBe(b);
    expect(newId('outcome', 'declaration:0')).not.toBe(newId('outcome', 'declaration:0'));
  });

  it('in the sandbox, a seeded request gets the derived id, others random or derived from their parent', async () => {
    enableSandboxIds(true);
    const seeded = await runWithIdSeed('lp/person/intake', async () => {
      await Promise.resolve();
      return newId('participant');
    });
    expect(seeded).toBe(sandboxId('lp/person/intake', 'participant'));
    expect(newId('participant')).not.toBe(newId('participant'));
    expect(newId('outcome', 'd:0')).toBe(newId('outcome', 'd:0'));
    expect(newId('outcome', 'd:0')).not.toBe(newId('outcome', 'd:1'));
  });
});
