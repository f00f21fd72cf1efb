import { EntitySchema } from '@mikro-orm/postgresql';

export class LeadProvider {
  id!: string;
  name!: string;
  createdAt: Date = new Date();
  updatedAt: Date = new Date();
}

export const LeadProviderSchema = new EntitySchema<LeadProvider>({
  class: LeadProvider,
  tableName: 'lead_providers',
  properties: {
    id: { type: 'uuid', primary: true },
    name: { type: 'string', length: 200 },
    createdAt: { type: 'Date', columnType: 'timestamptz' },
    updatedAt: { type: 'Date', columnType: 'timestamptz' },
  },
});
