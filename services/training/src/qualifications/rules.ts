import { courseByIdentifier } from '@npq/contracts';
import type { QualificationFacts } from './repository';

export interface Qualification {
  awardDate: string;
  npqType: string;
}

/** The most the pull lists for one TRN. */
const MAX_QUALIFICATIONS = 1000;

/**
 * The qualifications the Teacher Record Service sees for a TRN (docs/domain.md, "Qualifications"): every
 * pass, whichever provider, newest award first (then by course); a pass whose declaration's current outcome
 * is `voided` is left out (the pass was retracted); the same course and date is listed once.
 */
export function qualificationsOf(facts: QualificationFacts): Qualification[] {
  const seen = new Map<string, { awardDate: string; courseIdentifier: string }>();
  for (const pass of facts.passes) {
    if (facts.currentOf.get(pass.declarationId)?.state === 'voided') continue;
    seen.set(`${pass.completionDate}|${pass.courseIdentifier}`, {
      awardDate: pass.completionDate,
      courseIdentifier: pass.courseIdentifier,
    });
  }
  return [...seen.values()]
    .sort((a, b) =>
      a.awardDate === b.awardDate
        ? a.courseIdentifier < b.courseIdentifier
          ? -1
          : a.courseIdentifier > b.courseIdentifier
            ? 1
            : 0
        : a.awardDate < b.awardDate
          ? 1
          : -1,
    )
    .slice(0, MAX_QUALIFICATIONS)
    .map((q) => ({
      awardDate: q.awardDate,
      npqType: courseByIdentifier(q.courseIdentifier)?.shortCode ?? '',
    }));
}
