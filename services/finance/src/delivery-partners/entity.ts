import { EntitySchema } from '@mikro-orm/postgresql';

export interface DeliveryPartnerRow {
  id: string;
  name: string;
  createdAt: Date;
  updatedAt: Date;
}

export const DeliveryPartnerSchema = new EntitySchema<DeliveryPartnerRow>({
  name: 'DeliveryPartnerRow',
  tableName: 'delivery_partners',
  properties: {
    id: { type: 'uuid', primary: true },
    name: { type: 'text' },
    createdAt: { type: 'Date', columnType: 'timestamptz' },
    updatedAt: { type: 'Date', columnType: 'timestamptz' },
  },
  indexes: [
    { name: 'delivery_partners_name_idx', properties: ['name', 'id'] },
    { name: 'delivery_partners_created_idx', properties: ['createdAt', 'id'] },
  ],
});

/** A delivery partner working with a lead provider in a cohort. */
export interface DeliveryPartnershipRow {
  id: string;
  deliveryPartnerId: string;
  leadProviderId: string;
  cohortIdentifier: string;
  cohortStartYear: number;
  cohortSuffix: string;
  createdAt: Date;
  updatedAt: Date;
}

export const DeliveryPartnershipSchema = new EntitySchema<DeliveryPartnershipRow>({
  name: 'DeliveryPartnershipRow',
  tableName: 'delivery_partnerships',
  properties: {
    id: { type: 'uuid', primary: true },
    deliveryPartnerId: { type: 'uuid' },
    leadProviderId: { type: 'uuid' },
    cohortIdentifier: { type: 'string', length: 5 },
    cohortStartYear: { type: 'integer' },
    cohortSuffix: { type: 'string', length: 1 },
    createdAt: { type: 'Date', columnType: 'timestamptz' },
    updatedAt: { type: 'Date', columnType: 'timestamptz' },
  },
  uniques: [
    {
      name: 'delivery_partnerships_unique',
      properties: ['deliveryPartnerId', 'leadProviderId', 'cohortIdentifier'],
    },
  ],
  indexes: [
    // "Partners of this provider (for this cohort)": the v3 list/show scope and the declaration rules.
    {
      name: 'delivery_partnerships_lp_idx',
      properties: ['leadProviderId', 'cohortStartYear', 'deliveryPartnerId'],
    },
    {
      name: 'delivery_partnerships_lp_cohort_idx',
      properties: ['leadProviderId', 'cohortIdentifier', 'deliveryPartnerId'],
    },
  ],
});

export const DELIVERY_PARTNER_ENTITIES = [DeliveryPartnerSchema, DeliveryPartnershipSchema];
