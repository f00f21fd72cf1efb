import { LEAD_PROVIDERS } from '@npq/contracts';
import {
  nextLeadProvider,
  SANDBOX_PEOPLE,
  sandboxApplicationId,
  sandboxDeclarationId,
  sandboxParticipantId,
  sandboxSecondApplicationId,
} from '@npq/gateway';
import { providerView, type ProviderView } from '../support/sandbox';
import { startSystem, type System } from '../support/system';

let system: System;
let seedMs = 0;
const views = new Map<string, ProviderView>();

beforeAll(async () => {
  const started = Date.now();
  system = await startSystem({ sandbox: true });
  seedMs = Date.now() - started;
  // Printed so a slow seed shows in the test output (the brief: tens of seconds at most).
  process.stdout.write(`sandbox system started and seeded in ${seedMs} ms\n`);
  for (const lp of LEAD_PROVIDERS) views.set(lp.id, await providerView(system, lp.id));
}, 180_000);

afterAll(async () => {
  await system?.close();
});

const statusOf = (view: ProviderView, id: string) => view.applications.find((a) => a.id === id)?.attributes;

describe('sandbox seed', () => {
  // How long the seed took is printed above, not asserted: a time bound in a test fails on a busy machine
  // (the seed's cost is a benchmark concern, docs/sandbox.md).
  it('seeds every provider', () => {
    expect(system.sandbox).toBeDefined();
    for (const lp of LEAD_PROVIDERS) expect(views.get(lp.id)?.applications.length).toBeGreaterThan(0);
  });

  it.each(LEAD_PROVIDERS.map((lp) => [lp.name, lp.id]))('%s: applications in every state', (_name, lp) => {
    const view = views.get(lp)!;
    for (const key of [
      'pending-capped',
      'pending-capped-ineligible',
      'pending-full',
      'pending-zero',
      'two-providers',
    ]) {
      expect(statusOf(view, sandboxApplicationId(lp, key as never))?.status).toBe('pending');
    }
    expect(statusOf(view, sandboxApplicationId(lp, 'rejected'))).toMatchObject({
      status: 'rejected',
      reason_for_rejection: 'rejected_by_provider',
    });
    expect(statusOf(view, sandboxApplicationId(lp, 'active'))).toMatchObject({
      status: 'accepted',
      funded_place: true,
    });
    expect(statusOf(view, sandboxApplicationId(lp, 'pending-capped'))?.cohort).toBe('2025');
    // The previous provider's two-provider person applied here too: the same participant at two providers.
    const previous = LEAD_PROVIDERS.find((x) => nextLeadProvider(x.id) === lp)!.id;
    const second = statusOf(view, sandboxSecondApplicationId(previous));
    expect(second).toMatchObject({
      status: 'pending',
      participant_id: sandboxParticipantId(previous, 'two-providers'),
    });
    // Only its own applications: the dataset's and the previous provider's second one, nothing else.
    expect(view.applications).toHaveLength(SANDBOX_PEOPLE.length + 1);
    // Every dataset person's own application is here, with the deterministic id.
    // (The merged person's application is listed under `kept`, the participant it moved to.)
    for (const person of SANDBOX_PEOPLE) {
      expect(view.applications.map((a) => a.id)).toContain(sandboxApplicationId(lp, person.key));
    }
  });

  it.each(LEAD_PROVIDERS.map((lp) => [lp.name, lp.id]))(
    '%s: participants in every training status',
    (_name, lp) => {
      const view = views.get(lp)!;
      const statuses = new Set(
        view.participants.flatMap((p) => p.attributes.npq_enrolments.map((e: any) => e.training_status)),
      );
      expect([...statuses].sort()).toEqual(['active', 'deferred', 'withdrawn']);
      const kept = view.participants.find((p) => p.id === sandboxParticipantId(lp, 'kept'))!;
      expect(kept.attributes.participant_id_changes).toEqual([
        expect.objectContaining({
          from_participant_id: sandboxParticipantId(lp, 'merged'),
          to_participant_id: sandboxParticipantId(lp, 'kept'),
        }),
      ]);
    },
  );

  it.each(LEAD_PROVIDERS.map((lp) => [lp.name, lp.id]))('%s: declarations in every state', (_name, lp) => {
    const view = views.get(lp)!;
    const state = (key: string, type: string) =>
      view.declarations.find((d) => d.id === sandboxDeclarationId(lp, key as never, type))?.attributes.state;
    expect(state('active', 'started')).toBe('paid');
    expect(state('active', 'retained-1')).toBe('paid');
    expect(state('active', 'retained-2')).toBe('payable');
    expect(state('clawed-back', 'started')).toBe('clawed-back');
    expect(state('awaiting-clawback', 'started')).toBe('awaiting-clawback');
    expect(state('eligible', 'started')).toBe('eligible');
    expect(state('voided', 'started')).toBe('voided');
    expect(state('not-funded', 'started')).toBe('submitted');
    expect(state('passed', 'completed')).toBe('payable');
    expect(state('capped-2024', 'started')).toBe('paid');
    const states = new Set(view.declarations.map((d) => d.attributes.state));
    for (const s of [
      'submitted',
      'eligible',
      'payable',
      'paid',
      'voided',
      'awaiting-clawback',
      'clawed-back',
    ]) {
      expect(states).toContain(s);
    }
  });

  it.each(LEAD_PROVIDERS.map((lp) => [lp.name, lp.id]))(
    '%s: outcomes, statements and delivery partners',
    (_name, lp) => {
      const view = views.get(lp)!;
      const outcomeStates = view.outcomes.map((o) => o.attributes.state).sort();
      expect(outcomeStates).toEqual(['failed', 'passed', 'passed']);
      expect(view.statements.some((s) => s.attributes.paid === true)).toBe(true);
      expect(view.statements.some((s) => s.attributes.paid === false)).toBe(true);
      expect(view.deliveryPartners.length).toBeGreaterThan(0);
    },
  );

  it('answers 410 for the merged participant', async () => {
    for (const lp of LEAD_PROVIDERS) {
      const res = await system
        .provider(lp.id)
        .get(`/api/v3/participants/npq/${sandboxParticipantId(lp.id, 'merged')}`);
      expect(res.status).toBe(410);
    }
  });

  it('uses the ids docs/sandbox.md quotes (the same on every machine and every run)', () => {
    const ambition = LEAD_PROVIDERS[0].id;
    expect(sandboxApplicationId(ambition, 'pending-capped')).toBe(DOC_IDS.pendingCappedApplication);
    expect(views.get(ambition)!.applications.map((a) => a.id)).toContain(DOC_IDS.pendingCappedApplication);
    expect(views.get(ambition)!.participants.map((p) => p.id)).toContain(DOC_IDS.activeParticipant);
    expect(views.get(ambition)!.declarations.map((d) => d.id)).toContain(DOC_IDS.eligibleDeclaration);
  });

  it('is idempotent: seeding again changes nothing', async () => {
    const report = await system.sandbox!.seedAll();
    expect(report.seeded).toEqual([]);
    expect(report.alreadySeeded).toHaveLength(LEAD_PROVIDERS.length);
    for (const lp of LEAD_PROVIDERS) expect(await providerView(system, lp.id)).toEqual(views.get(lp.id));
  });
});

/** Quoted in docs/sandbox.md (Ambition Institute). */
const DOC_IDS = {
  pendingCappedApplication: '594b885c-4497-52bc-ab38-110e64f864d6',
  activeParticipant: 'c3f05f79-efc9-5d00-9f5e-7f33ca9e34cf',
  eligibleDeclaration: '8dea28ac-3873-5f3b-b85c-d7d204b17feb',
};
