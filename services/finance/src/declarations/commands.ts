import { randomUUID } from 'node:crypto';
import { UniqueConstraintViolationException } from '@mikro-orm/postgresql';
import {
  BILLABLE_OR_VOIDABLE_STATES,
  CLAWBACK_STATES,
  isLiveDeclarationState,
  REFUNDABLE_STATEMENT_ITEM_STATES,
  type DeclarationState,
  type EventEnvelope,
} from '@npq/contracts';
import {
  badRequest,
  forbidden,
  notFound,
  now,
  pgArray,
  today,
  toDateOnly,
  unprocessable,
  ValidationErrors,
  type EntityManager,
  type Naming,
} from '@npq/service-kit';
import { DeliveryPartnerRepository } from '../delivery-partners/repository';
import { ApplicationQueries } from '../applications/queries';
import { cohortOrFail, isFundable } from '../applications/rules';
import { declarationEventSource, stageDeclarationEvent } from '../events/staging';
import { StatementRepository } from '../statements/repository';
import { DeclarationRepository, type DeclarationView } from './repository';
import { courseAlternatives, courseHasOutcomes, courseKey, isBlank, MESSAGES } from './rules';
import { validateDeliveryPartners, type ValidCreate } from './validation';

export interface DeclarationCommandResult {
  declarationId: string;
  events: EventEnvelope[];
}

async function advisoryLock(em: EntityManager, key: string): Promise<void> {
  await em.execute('select pg_advisory_xact_lock(hashtextextended(?, 0))', [key]);
}

/**
 * Appends an outcome in finance's own projection in the command's transaction, so `has_passed` is right in
 * this response and the next request. Training records the real outcome from the declaration event and
 * publishes outcome.recorded, which replaces this row (projections/handlers.ts).
 */
async function recordProvisionalOutcome(
  em: EntityManager,
  declarationId: string,
  state: 'passed' | 'failed' | 'voided',
  completionDate: Date,
  at: Date,
): Promise<void> {
  await em.execute(
    `insert into finance.outcomes (id, declaration_id, state, completion_date, source, created_at) values (?, ?, ?, ?, 'declaration', ?)`,
    [randomUUID(), declarationId, state, toDateOnly(completionDate), at],
  );
}

/**
 * Creates the declaration (business-rules §5.2.3), in one transaction: DfE's advisory lock on (participant,
 * course, type), then an identical live declaration is returned instead of a new one (a concurrent identical
 * request); otherwise insert, decide the state (duplicate of another person with the same TRN → ineligible;
 * fundable → eligible; else submitted), attach eligible/ineligible declarations to the next open output-fee
 * statement and stage `declaration.created`. The partial unique index on (application, type) for live
 * states is the final guard; its violation is DfE's "already submitted" 422, never a 500.
 */
export async function createDeclaration(
  em: EntityManager,
  naming: Naming,
  v: ValidCreate,
): Promise<DeclarationCommandResult> {
  try {
    return await em.transactional(async (tx) => {
      // ASO and EHCO share one lock (DfE keys on the requested identifier; the unique index covers that gap).
      await advisoryLock(
        tx,
        `lock-declaration-${v.participantId}-${courseKey(v.courseIdentifier)}-${v.declarationType}`,
      );
      const declarations = new DeclarationRepository(tx);
      const existing = await declarations.findIdentical({
        participantId: v.participantId,
        courseIdentifier: v.courseIdentifier,
        declarationDate: v.declarationDate,
        declarationType: v.declarationType,
        leadProviderId: v.leadProviderId,
      });
      if (existing) return { declarationId: existing.id, events: [] };

      const projections = new ApplicationQueries(tx);
      const trn = await projections.trnOf(v.participantId);
      // Two people with the same TRN declaring at once would not see each other as duplicates (DfE has this
      // race); a second lock per TRN, course and type serialises them. Always taken after the first.
      if (trn)
        await advisoryLock(
          tx,
          `lock-declaration-trn-${trn}-${courseKey(v.courseIdentifier)}-${v.declarationType}`,
        );

      // Re-read under the lock: the application may have changed since validation.
      const application = (await projections.findApplication(v.application.id)) ?? v.application;
      const at = now();
      const id = randomUUID();
      const duplicateOf = await declarations.findEarliestDuplicate({
        declarationId: id,
        participantId: v.participantId,
        trn,
        declarationType: v.declarationType,
        courses: courseAlternatives(application.courseIdentifier),
      });
      const state: DeclarationState = duplicateOf
        ? 'ineligible'
        : isFundable(application)
          ? 'eligible'
          : 'submitted';
      await tx.execute(
        `insert into finance.declarations (id, application_id, lead_provider_id, application_lead_provider_id, cohort_identifier,
           cohort_start_year, declaration_type, declaration_date, state, state_reason, superseded_by_id, delivery_partner_id,
           secondary_delivery_partner_id, created_at, updated_at, version)
         values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 1)`,
        [
          id,
          application.id,
          v.leadProviderId,
          application.leadProviderId,
          v.cohort.identifier,
          v.cohort.startYear,
          v.declarationType,
          v.declarationDate,
          state,
          duplicateOf ? 'duplicate' : null,
          duplicateOf,
          v.partners.primaryId,
          v.partners.secondaryId,
          at,
          at,
        ],
      );

      if (state !== 'submitted') {
        const statement = await new StatementRepository(tx).nextOutputFeeStatement(
          v.leadProviderId,
          v.cohort.identifier,
          today(),
          true,
        );
        if (statement) {
          await tx.execute(
            `insert into finance.statement_items (id, statement_id, declaration_id, state, created_at, updated_at) values (?, ?, ?, ?, ?, ?)`,
            [randomUUID(), statement.id, id, state, at, at],
          );
        } else if (state === 'eligible') {
          // The cut-off closed the last open statement after validation: same answer as check 15.
          throw unprocessable([{ title: 'cohort', detail: MESSAGES.contractEnded(v.cohort.startYear) }]);
        }
        // An ineligible declaration with no open statement gets no item (DfE: the attach silently does nothing).
      }

      if (v.outcomePassed !== null) {
        // DfE raises ArgumentError (→ 400) when the outcome cannot be created. Its checks (course permitted,
        // state, completion date present and not in the future) already passed in validation; this guards
        // the invariant so a failure keeps nothing.
        if (!courseHasOutcomes(v.courseIdentifier) || v.declarationDate.getTime() > at.getTime()) {
          throw badRequest(MESSAGES.completedOutcomeFailed);
        }
        await recordProvisionalOutcome(tx, id, v.outcomePassed ? 'passed' : 'failed', v.declarationDate, at);
      }

      const created = await declarations.findById(id);
      if (!created) throw new Error(`declaration ${id} vanished`);
      const event = await stageDeclarationEvent(
        tx,
        naming,
        'declaration.created',
        declarationEventSource(created),
        v.outcomePassed,
      );
      return { declarationId: id, events: [event] };
    });
  } catch (err) {
    if (err instanceof UniqueConstraintViolationException)
      throw unprocessable([{ title: 'base', detail: MESSAGES.slotTaken }]);
    throw err;
  }
}

/**
 * Resolves a declaration for void/change-delivery-partner: 404 when the caller cannot see it, 403 (DfE's body)
 * when it can but another provider made it. Runs before the body is read.
 */
export async function assertModifiable(
  em: EntityManager,
  id: string,
  leadProviderId: string,
): Promise<DeclarationView> {
  const view = await new DeclarationRepository(em).findVisible(id, leadProviderId);
  if (!view) throw notFound();
  if (view.leadProviderId !== leadProviderId)
    throw forbidden(MESSAGES.cannotModifyTitle, MESSAGES.cannotModifyDetail);
  return view;
}

/**
 * DfE's ParticipantOutcomes::Void condition: a completed leadership/specialist declaration gets a voided
 * outcome unless the provider's latest outcome for the participant and course (over its remaining completed
 * declarations) is already voided.
 */
async function shouldVoidOutcome(em: EntityManager, d: DeclarationView): Promise<boolean> {
  if (d.declarationType !== 'completed' || !courseHasOutcomes(d.courseIdentifier)) return false;
  const rows: { state: string | null }[] = await em.execute(
    `select o.state from finance.declarations x
     join finance.applications a on a.id = x.application_id
     left join lateral (select state from finance.outcomes where declaration_id = x.id order by created_at desc, ordinal desc, id desc limit 1) o on true
     where a.participant_id = ? and a.course_identifier = ? and x.lead_provider_id = ? and x.declaration_type = 'completed'
       and x.state = any(?::text[])
     order by x.created_at desc, x.id desc limit 1`,
    [d.participantId, d.courseIdentifier, d.leadProviderId, pgArray(BILLABLE_OR_VOIDABLE_STATES)],
  );
  return rows[0]?.state !== 'voided';
}

/**
 * PUT .../void (business-rules §5.5). Unpaid → voided (its billing item voided); paid → awaiting_clawback
 * with a clawback item on the next output-fee statement. The declaration row is locked, so a concurrent
 * payment run either paid it first (→ clawback) or finds it voided (→ left alone).
 */
export async function voidDeclaration(
  em: EntityManager,
  naming: Naming,
  leadProviderId: string,
  id: string,
): Promise<DeclarationCommandResult> {
  return em.transactional(async (tx) => {
    const declarations = new DeclarationRepository(tx);
    const d = await declarations.findForUpdate(id);
    if (!d) throw notFound();
    if (d.leadProviderId !== leadProviderId)
      throw forbidden(MESSAGES.cannotModifyTitle, MESSAGES.cannotModifyDetail);
    const errors = new ValidationErrors();
    const clawback = (CLAWBACK_STATES as readonly DeclarationState[]).includes(d.state);
    const at = now();
    const cohort = cohortOrFail(d.cohortIdentifier);

    if (!clawback) {
      if (d.state === 'voided') errors.add('declaration', MESSAGES.alreadyVoided);
      errors.throwIfAny();
      await tx.execute(
        `update finance.declarations set state = 'voided', updated_at = ?, version = version + 1 where id = ?`,
        [at, id],
      );
      await tx.execute(
        `update finance.statement_items set state = 'voided', updated_at = ?
         where id = (select id from finance.statement_items where declaration_id = ? and state in ('eligible', 'ineligible', 'payable')
                     order by created_at asc, id asc limit 1)`,
        [at, id],
      );
    } else {
      const refunded: unknown[] = await tx.execute(
        `select 1 from finance.statement_items where declaration_id = ? and state = any(?::text[]) limit 1`,
        [id, pgArray(REFUNDABLE_STATEMENT_ITEM_STATES)],
      );
      if (refunded.length > 0) errors.add('declaration', MESSAGES.alreadyRefunded);
      const statement = await new StatementRepository(tx).nextOutputFeeStatement(
        d.leadProviderId,
        d.cohortIdentifier,
        today(),
        true,
      );
      if (!statement) errors.add('declaration', MESSAGES.contractEnded(cohort.startYear));
      if (!errors.has('declaration') && d.state !== 'paid') errors.add('declaration', MESSAGES.mustBePaid);
      errors.throwIfAny();
      await tx.execute(
        `update finance.declarations set state = 'awaiting_clawback', updated_at = ?, version = version + 1 where id = ?`,
        [at, id],
      );
      await tx.execute(
        `insert into finance.statement_items (id, statement_id, declaration_id, state, created_at, updated_at)
         values (?, ?, ?, 'awaiting_clawback', ?, ?)`,
        [randomUUID(), statement!.id, id, at, at],
      );
    }

    // After the state change, as DfE: the declaration no longer counts among the remaining ones.
    const after = await declarations.findById(id);
    if (!after) throw new Error(`declaration ${id} vanished`);
    if (await shouldVoidOutcome(tx, after))
      await recordProvisionalOutcome(tx, id, 'voided', d.declarationDate, at);
    const event = await stageDeclarationEvent(
      tx,
      naming,
      'declaration.voided',
      declarationEventSource(after),
    );
    return { declarationId: id, events: [event] };
  });
}

/**
 * PUT .../change-delivery-partner (business-rules §5.6): replaces both partners (no secondary given → none),
 * re-running the declaration's partner rules. Any state; no financial effect, and no other service keeps
 * delivery partners, so no event.
 */
export async function changeDeliveryPartner(
  em: EntityManager,
  leadProviderId: string,
  id: string,
  attrs: Record<string, unknown>,
): Promise<DeclarationCommandResult> {
  return em.transactional(async (tx) => {
    const declarations = new DeclarationRepository(tx);
    const d = await declarations.findForUpdate(id);
    if (!d) throw notFound();
    if (d.leadProviderId !== leadProviderId)
      throw forbidden(MESSAGES.cannotModifyTitle, MESSAGES.cannotModifyDetail);

    const rawPrimary = attrs.delivery_partner_id;
    const rawSecondary = attrs.secondary_delivery_partner_id;
    const known = await new DeliveryPartnerRepository(tx).existing([rawPrimary, rawSecondary]);
    const lookup = (raw: unknown): string | null =>
      typeof raw === 'string' && known.has(raw.toLowerCase()) ? raw.toLowerCase() : null;
    const primaryId = lookup(rawPrimary);
    const secondaryId = lookup(rawSecondary);
    // DfE: `secondary_delivery_partner_id.present?` (so "" means none, as an omitted id does) and
    // `validates :delivery_partner_id, presence: true` (Rails `blank?`, so 123 is present, merely unknown).
    const secondaryGiven = !isBlank(rawSecondary);

    const errors = new ValidationErrors();
    if (primaryId === null) errors.add('delivery_partner', MESSAGES.deliveryPartnerNotPartnered);
    if (secondaryGiven && secondaryId === null)
      errors.add('secondary_delivery_partner', MESSAGES.secondaryNotPartnered);
    const application = await new ApplicationQueries(tx).findApplication(d.applicationId);
    if (!application) throw new Error(`application ${d.applicationId} of declaration ${id} is not projected`);
    await validateDeliveryPartners(tx, errors, {
      leadProviderId: d.leadProviderId,
      cohort: cohortOrFail(d.cohortIdentifier),
      application,
      partners: { primaryId, secondaryId },
      changed: {
        primary: primaryId !== d.deliveryPartnerId,
        secondary: secondaryId !== d.secondaryDeliveryPartnerId,
      },
    });
    if (!errors.any() && isLiveDeclarationState(d.state)) {
      const live = await declarations.findLiveOfType(d.applicationId, d.declarationType, d.id);
      if (live) errors.add('base', MESSAGES.duplicateOnApplication(live.state));
    }
    if (isBlank(rawPrimary)) errors.add('delivery_partner_id', MESSAGES.deliveryPartnerRequired);
    errors.throwIfAny();

    // Like DfE's save!, a change that changes nothing writes nothing (updated_at stays, so the declaration
    // does not reappear in updated_since feeds).
    if (primaryId !== d.deliveryPartnerId || secondaryId !== d.secondaryDeliveryPartnerId) {
      await tx.execute(
        `update finance.declarations set delivery_partner_id = ?, secondary_delivery_partner_id = ?, updated_at = ? where id = ?`,
        [primaryId, secondaryId, now(), id],
      );
    }
    return { declarationId: id, events: [] };
  });
}
