import { randomUUID } from 'node:crypto';
import { UniqueConstraintViolationException } from '@mikro-orm/postgresql';
import { isLiveDeclarationState, type EventEnvelope } from '@npq/contracts';
import {
  badRequest,
  forbidden,
  newId,
  notFound,
  now,
  today,
  toDateOnly,
  unprocessable,
  ValidationErrors,
  writeChanges,
  type EntityManager,
  type Naming,
} from '@npq/service-kit';
import { OutcomeSchema } from '../applications/entity';
import { ApplicationQueries } from '../applications/queries';
import { cohortOrFail, isFundable } from '../applications/rules';
import { DeliveryPartnerRepository } from '../delivery-partners/repository';
import { declarationEventSource, stageDeclarationEvent } from '../events/staging';
import { StatementItemSchema } from '../statements/entity';
import { StatementRepository } from '../statements/repository';
import { DeclarationSchema, type DeclarationRow } from './entity';
import { DeclarationRepository, toView, type DeclarationView } from './repository';
import {
  courseAlternatives,
  courseHasOutcomes,
  courseKey,
  goesOnStatement,
  isBlank,
  MESSAGES,
  stateOnCreate,
  voidsByClawback,
} from './rules';
import { validateDeliveryPartners, type ValidCreate } from './validation';

export interface DeclarationCommandResult {
  declarationId: string;
  events: EventEnvelope[];
}

async function advisoryLock(em: EntityManager, key: string): Promise<void> {
  // raw SQL: a transaction-scoped advisory lock, which the ORM has no API for.
  await em.execute('select pg_advisory_xact_lock(hashtextextended(?, 0))', [key]);
}

/**
 * Appends an outcome in finance's own projection in the command's transaction, so `has_passed` is right in
 * this response and the next request. Training records the real outcome from the declaration event and
 * publishes outcome.recorded, which replaces this row (events/handlers.ts).
 */
function recordProvisionalOutcome(
  em: EntityManager,
  declarationId: string,
  state: 'passed' | 'failed' | 'voided',
  completionDate: Date,
  at: Date,
): void {
  em.create(OutcomeSchema, {
    id: randomUUID(),
    declarationId,
    state,
    completionDate: toDateOnly(completionDate),
    source: 'declaration',
    createdAt: at,
    ordinal: 0,
  });
}

/**
 * Creates the declaration (docs/domain.md#creating-a-declaration), in one transaction: DfE's advisory lock
 * on (participant, course, type), then an identical live declaration is returned instead of a new one (a
 * concurrent identical request); otherwise insert, decide the state, attach eligible/ineligible declarations
 * to the next open output-fee statement and stage `declaration.created`. The partial unique index on
 * (application, type) for live states is the final guard; its violation is DfE's "already submitted" 422,
 * never a 500.
 */
export async function createDeclaration(
  em: EntityManager,
  naming: Naming,
  v: ValidCreate,
): Promise<DeclarationCommandResult> {
  try {
    return await em.transactional(
      async (tx) => {
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

        const applications = new ApplicationQueries(tx);
        const trn = await applications.trnOf(v.participantId);
        // Two people with the same TRN declaring at once would not see each other as duplicates (DfE has this
        // race); a second lock per TRN, course and type serialises them. Always taken after the first.
        if (trn)
          await advisoryLock(
            tx,
            `lock-declaration-trn-${trn}-${courseKey(v.courseIdentifier)}-${v.declarationType}`,
          );

        // Re-read under the lock: the application may have changed since validation.
        const application = (await applications.findApplication(v.application.id)) ?? v.application;
        const at = now();
        const id = newId('declaration');
        const duplicateOf = await declarations.findEarliestDuplicate({
          declarationId: id,
          participantId: v.participantId,
          trn,
          declarationType: v.declarationType,
          courses: courseAlternatives(application.courseIdentifier),
        });
        const state = stateOnCreate({ duplicate: duplicateOf !== null, fundable: isFundable(application) });
        const created = tx.create(DeclarationSchema, {
          id,
          applicationId: application.id,
          leadProviderId: v.leadProviderId,
          applicationLeadProviderId: application.leadProviderId,
          cohortIdentifier: v.cohort.identifier,
          cohortStartYear: v.cohort.startYear,
          declarationType: v.declarationType,
          declarationDate: v.declarationDate,
          state,
          stateReason: duplicateOf ? 'duplicate' : null,
          supersededById: duplicateOf,
          deliveryPartnerId: v.partners.primaryId,
          secondaryDeliveryPartnerId: v.partners.secondaryId,
          createdAt: at,
          updatedAt: at,
          version: 1,
        });

        if (goesOnStatement(state)) {
          const statement = await new StatementRepository(tx).nextOutputFeeStatement(
            v.leadProviderId,
            v.cohort.identifier,
            today(),
            true,
          );
          if (statement) {
            tx.create(StatementItemSchema, {
              id: randomUUID(),
              statementId: statement.id,
              declarationId: id,
              state: state as 'eligible' | 'ineligible',
              createdAt: at,
              updatedAt: at,
            });
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
          recordProvisionalOutcome(tx, id, v.outcomePassed ? 'passed' : 'failed', v.declarationDate, at);
        }
        await tx.flush();

        // The event is built from what was just written (no read back): the unit of work holds the row.
        const event = await stageDeclarationEvent(
          tx,
          naming,
          'declaration.created',
          declarationEventSource(toView(created, application)),
          v.outcomePassed,
        );
        return { declarationId: id, events: [event] };
      },
      { clear: true },
    );
  } catch (err) {
    if (err instanceof UniqueConstraintViolationException)
      throw unprocessable([{ title: 'base', detail: MESSAGES.slotTaken }]);
    throw err;
  }
}

/**
 * Resolves a declaration for void/change-delivery-partner (docs/domain.md#changing-a-resource): 404 when the
 * caller cannot see it, 403 (DfE's body) when it can but another provider made it. Runs before the body is
 * read.
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
 * The declaration locked for the command and managed by the transaction's (clear) fork, with its view, and
 * the same 404/403 as assertModifiable.
 */
async function loadForChange(
  tx: EntityManager,
  id: string,
  leadProviderId: string,
): Promise<{ row: DeclarationRow; view: DeclarationView }> {
  const found = await new DeclarationRepository(tx).lockForChange(id);
  if (!found) throw notFound();
  if (found.row.leadProviderId === leadProviderId) return found;
  if (found.row.applicationLeadProviderId === leadProviderId)
    throw forbidden(MESSAGES.cannotModifyTitle, MESSAGES.cannotModifyDetail);
  throw notFound();
}

/**
 * DfE's ParticipantOutcomes::Void condition (docs/domain.md#voiding): a completed leadership/specialist
 * declaration gets a voided outcome unless the provider's latest outcome for the participant and course
 * (over its remaining completed declarations) is already voided.
 */
async function shouldVoidOutcome(em: EntityManager, d: DeclarationView): Promise<boolean> {
  if (d.declarationType !== 'completed' || !courseHasOutcomes(d.courseIdentifier)) return false;
  // After the state change, as DfE: the declaration (voided or awaiting clawback now, neither billable nor
  // voidable) no longer counts among the remaining ones, so it is left out before the change is flushed.
  return (await new DeclarationRepository(em).latestCompletedOutcome(d, d.id)) !== 'voided';
}

/**
 * PUT .../void (docs/domain.md#voiding). Unpaid → voided (its billing item voided); paid → awaiting_clawback
 * with a clawback item on the next output-fee statement. The declaration row is locked, so a concurrent
 * payment run either paid it first (→ clawback) or finds it voided (→ left alone).
 */
export async function voidDeclaration(
  em: EntityManager,
  naming: Naming,
  leadProviderId: string,
  id: string,
): Promise<DeclarationCommandResult> {
  return em.transactional(
    async (tx) => {
      const { row: d, view } = await loadForChange(tx, id, leadProviderId);
      const errors = new ValidationErrors();
      const at = now();
      const cohort = cohortOrFail(d.cohortIdentifier);
      const statementItems = new StatementRepository(tx);

      if (!voidsByClawback(d.state)) {
        if (d.state === 'voided') errors.add('declaration', MESSAGES.alreadyVoided);
        errors.throwIfAny();
        d.state = 'voided';
        d.updatedAt = at;
        // Its billing item (the first one still to be paid), if any, is voided with it.
        const item = await statementItems.firstUnpaidItem(id);
        if (item) {
          item.state = 'voided';
          item.updatedAt = at;
          await writeChanges(tx, item, ['state', 'updatedAt']);
        }
      } else {
        if (await statementItems.hasRefundableItem(id)) errors.add('declaration', MESSAGES.alreadyRefunded);
        const statement = await statementItems.nextOutputFeeStatement(
          d.leadProviderId,
          d.cohortIdentifier,
          today(),
          true,
        );
        if (!statement) errors.add('declaration', MESSAGES.contractEnded(cohort.startYear));
        if (!errors.has('declaration') && d.state !== 'paid') errors.add('declaration', MESSAGES.mustBePaid);
        errors.throwIfAny();
        d.state = 'awaiting_clawback';
        d.updatedAt = at;
        tx.create(StatementItemSchema, {
          id: randomUUID(),
          statementId: statement!.id,
          declarationId: id,
          state: 'awaiting_clawback',
          createdAt: at,
          updatedAt: at,
        });
      }
      if (await shouldVoidOutcome(tx, view))
        recordProvisionalOutcome(tx, id, 'voided', d.declarationDate, at);
      // The declaration in one statement, its version checked and moved on (void is a write path `pnpm bench`
      // measures: docs/performance.md, "Writing changed rows"); a clawback item or an outcome in the flush.
      await writeChanges(tx, d, ['state', 'updatedAt']);
      await tx.flush();
      const event = await stageDeclarationEvent(
        tx,
        naming,
        'declaration.voided',
        declarationEventSource({ ...view, state: d.state, updatedAt: d.updatedAt, version: d.version }),
      );
      return { declarationId: id, events: [event] };
    },
    { clear: true },
  );
}

/**
 * PUT .../change-delivery-partner (docs/domain.md#changing-delivery-partners): replaces both partners (no
 * secondary given → none), re-running the declaration's partner rules. Any state; no financial effect, and no
 * other service keeps delivery partners, so no event.
 */
export async function changeDeliveryPartner(
  em: EntityManager,
  leadProviderId: string,
  id: string,
  attrs: Record<string, unknown>,
): Promise<DeclarationCommandResult> {
  return em.transactional(
    async (tx) => {
      const { row: d } = await loadForChange(tx, id, leadProviderId);
      const declarations = new DeclarationRepository(tx);

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
      if (!application)
        throw new Error(`application ${d.applicationId} of declaration ${id} is not projected`);
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
        d.deliveryPartnerId = primaryId;
        d.secondaryDeliveryPartnerId = secondaryId;
        d.updatedAt = now();
      }
      return { declarationId: id, events: [] };
    },
    { clear: true },
  );
}
