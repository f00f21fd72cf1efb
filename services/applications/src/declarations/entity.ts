import { EntitySchema } from '@mikro-orm/postgresql';

/** Finance's declarations as far as application rules need them (reject and change-funded-place). */
export class DeclarationProjection {
  declarationId!: string;
  applicationId!: string;
  declarationType!: string;
  state!: string;
  version!: number;
  updatedAt: Date = new Date();
}

export const DeclarationProjectionSchema = new EntitySchema<DeclarationProjection>({
  class: DeclarationProjection,
  tableName: 'declarations',
  properties: {
    declarationId: { type: 'uuid', primary: true },
    applicationId: { type: 'uuid', index: 'declarations_application_idx' },
    declarationType: { type: 'string', length: 20 },
    state: { type: 'string', length: 30 },
    version: { type: 'integer' },
    updatedAt: { type: 'Date', columnType: 'timestamptz' },
  },
});
