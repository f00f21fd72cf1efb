import { createHash } from 'node:crypto';

import {
  COHORTS,
  REFERENCE_DATA_VERSION,
  SCHEDULES,
  canonicalJson,
  referenceDataFingerprint,
  referenceDataSnapshot,
} from '../src/reference';

/**
 * The fingerprint of the reference data for each released REFERENCE_DATA_VERSION. When you change any
 * reference data: bump REFERENCE_DATA_VERSION in src/reference/version.ts and add the new pin here.
 */
const PINNED_FINGERPRINTS: Record<string, string> = {
  '2026-11-29.1': 'bc301b1cfd236c810877cfe91002d32783ab7aa525b9b096ab7a9c0b4443a6da',
};

describe('reference data version', () => {
  it('REFERENCE_DATA_VERSION looks like YYYY-MM-DD.N', () => {
    expect(REFERENCE_DATA_VERSION).toMatch(/^\d{4}-\d{2}-\d{2}\.\d+$/);
  });

  it('the fingerprint matches the pin for the current version', () => {
    const actual = referenceDataFingerprint();
    const pinned = PINNED_FINGERPRINTS[REFERENCE_DATA_VERSION];
    if (pinned === undefined) {
      throw new Error(
        `No pinned fingerprint for REFERENCE_DATA_VERSION ${REFERENCE_DATA_VERSION}. ` +
          `Add '${REFERENCE_DATA_VERSION}': '${actual}' to PINNED_FINGERPRINTS in test/reference-version.test.ts.`,
      );
    }
    if (actual !== pinned) {
      throw new Error(
        `Reference data changed without a version bump: fingerprint is ${actual} but ${REFERENCE_DATA_VERSION} is pinned ` +
          `to ${pinned}. Bump REFERENCE_DATA_VERSION in src/reference/version.ts and add the new version with ` +
          `fingerprint '${actual}' to PINNED_FINGERPRINTS in test/reference-version.test.ts.`,
      );
    }
  });

  it('each pinned version has a distinct fingerprint', () => {
    const values = Object.values(PINNED_FINGERPRINTS);
    expect(new Set(values).size).toBe(values.length);
  });

  it('the fingerprint is the sha256 of the canonical snapshot, and is stable', () => {
    const expected = createHash('sha256').update(canonicalJson(referenceDataSnapshot())).digest('hex');
    expect(referenceDataFingerprint()).toBe(expected);
    expect(referenceDataFingerprint()).toMatch(/^[0-9a-f]{64}$/);
    expect(canonicalJson(referenceDataSnapshot())).toBe(canonicalJson(referenceDataSnapshot()));
  });

  it('the snapshot covers every module', () => {
    const snapshot = referenceDataSnapshot();
    expect(Object.keys(snapshot).sort()).toEqual(
      ['cohorts', 'courses', 'defaultSchedule', 'enums', 'financeSeed', 'leadProviders', 'schedules'].sort(),
    );
    const json = canonicalJson(snapshot);
    expect(json).toContain('"quality-of-programme-structure-not-suitable."');
    expect(json).toContain('"9e35e998-c63b-4136-89c4-e9e18ddde0ea"');
    expect(json).toContain('"2025-09-01"');
    const enums = snapshot.enums as Record<string, unknown>;
    expect(Object.keys(enums)).toEqual(
      expect.arrayContaining(['WITHDRAWAL_REASONS', 'DECLARATION_STATES', 'UK_CATCHMENTS']),
    );
    expect(Object.values(enums).every((v) => typeof v !== 'function')).toBe(true);
    const schedules = snapshot.schedules as { SCHEDULES: unknown[] };
    expect(schedules.SCHEDULES).toHaveLength(SCHEDULES.length);
    const finance = snapshot.financeSeed as { statementPeriods: Record<string, unknown[]> };
    expect(Object.keys(finance.statementPeriods)).toEqual(COHORTS.map((c) => c.identifier));
  });
});

describe('canonicalJson', () => {
  it('sorts object keys recursively and keeps array order', () => {
    expect(canonicalJson({ b: 1, a: { d: [3, 1], c: 'x' } })).toBe('{"a":{"c":"x","d":[3,1]},"b":1}');
    expect(canonicalJson({ a: 1, b: 2 })).toBe(canonicalJson({ b: 2, a: 1 }));
  });

  it('drops undefined object members like JSON.stringify and keeps null', () => {
    expect(canonicalJson({ a: undefined, b: null })).toBe('{"b":null}');
  });

  it('distinguishes different data', () => {
    expect(canonicalJson({ a: '1' })).not.toBe(canonicalJson({ a: 1 }));
    expect(canonicalJson(['a', 'b'])).not.toBe(canonicalJson(['b', 'a']));
  });

  it.each([[[undefined]], [() => 1], [Number.NaN], [Infinity], [BigInt(1)]])('rejects %p', (value) => {
    expect(() => canonicalJson(value)).toThrow(TypeError);
  });
});
