import { EntitySchema } from '@mikro-orm/postgresql';
import { DECLARATION_STATES, LIVE_DECLARATION_STATES, type DeclarationState } from '@npq/contracts';
import { sqlList } from '@npq/service-kit';

/** A declaration. Course and participant are the application's (so merges and ASO/EHCO read right). */
export interface DeclarationRow {
  id: string;
  applicationId: string;
  /** The provider that submitted it (not necessarily the application's current provider). */
  leadProviderId: string;
  /**
   * The application's provider now (kept in step by the application projection): with `leadProviderId` it
   * is the provider scope, on this table alone, so both halves of the scope read an index in list order.
   */
  applicationLeadProviderId: string;
  cohortIdentifier: string;
  cohortStartYear: number;
  declarationType: string;
  declarationDate: Date;
  state: DeclarationState;
  stateReason: string | null;
  supersededById: string | null;
  deliveryPartnerId: string | null;
  secondaryDeliveryPartnerId: string | null;
  createdAt: Date;
  updatedAt: Date;
  /** aggregateVersion of the declaration's events. */
  version: number;
}

export const DeclarationSchema = new EntitySchema<DeclarationRow>({
  name: 'DeclarationRow',
  tableName: 'declarations',
  properties: {
    id: { type: 'uuid', primary: true },
    applicationId: { type: 'uuid' },
    leadProviderId: { type: 'uuid' },
    applicationLeadProviderId: { type: 'uuid' },
    cohortIdentifier: { type: 'string', length: 5 },
    cohortStartYear: { type: 'integer' },
    declarationType: { type: 'string', length: 20 },
    declarationDate: { type: 'Date', columnType: 'timestamptz' },
    state: { enum: true, items: [...DECLARATION_STATES] },
    stateReason: { type: 'string', length: 20, nullable: true },
    supersededById: { type: 'uuid', nullable: true },
    deliveryPartnerId: { type: 'uuid', nullable: true },
    secondaryDeliveryPartnerId: { type: 'uuid', nullable: true },
    createdAt: { type: 'Date', columnType: 'timestamptz' },
    updatedAt: { type: 'Date', columnType: 'timestamptz' },
    // Optimistic lock: the unit of work checks and bumps it on every update, and leaves inserts to the
    // column's default (1).
    version: { type: 'integer', version: true, default: 1 },
  },
  indexes: [
    // The provider's list in its fixed order (created_at, id) and its updated_since filter.
    { name: 'declarations_lp_created_idx', properties: ['leadProviderId', 'createdAt', 'id'] },
    {
      name: 'declarations_transferred_idx',
      // Only declarations on applications since moved to another provider: the second half of the scope.
      expression: (c, table, indexName) =>
        `create index "${indexName}" on ${String(table)} ("${c.applicationLeadProviderId}", "${c.createdAt}", "${c.id}") where "${c.applicationLeadProviderId}" <> "${c.leadProviderId}"`,
    },
    { name: 'declarations_updated_idx', properties: ['updatedAt'] },
    { name: 'declarations_application_idx', properties: ['applicationId', 'declarationType'] },
    // Duplicate detection looks for live declarations of a type on other people's applications.
    { name: 'declarations_type_state_idx', properties: ['declarationType', 'state'] },
    {
      name: 'declarations_one_live_per_application_type_idx',
      // DfE's idx_unique_declarations: at most one live declaration per application and type. The final
      // guard behind the create lock (an ASO and an EHCO request for one application take different locks).
      expression: (c, table, indexName) =>
        `create unique index "${indexName}" on ${String(table)} ("${c.applicationId}", "${c.declarationType}") where "${c.state}" in ${sqlList(LIVE_DECLARATION_STATES)}`,
    },
  ],
});
