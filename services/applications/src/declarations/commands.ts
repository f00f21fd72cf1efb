import type { DeclarationSnapshotV1 } from '@npq/contracts';
import { upsertRow, type EntityManager } from '@npq/service-kit';
import { DeclarationProjectionSchema } from './entity';

/**
 * Keeps finance's declaration as far as the application rules need it (reject and change-funded-place look
 * for live ones). An upsert that ignores a snapshot older than the one already applied: events of one
 * declaration may arrive out of order, and two may race to insert it.
 */
export async function applyDeclarationSnapshot(
  em: EntityManager,
  declaration: DeclarationSnapshotV1,
  version: number,
): Promise<void> {
  await upsertRow(
    em,
    DeclarationProjectionSchema,
    {
      declarationId: declaration.declarationId,
      applicationId: declaration.applicationId,
      declarationType: declaration.declarationType,
      state: declaration.state,
      version,
      updatedAt: new Date(declaration.updatedAt),
    },
    {
      update: ['applicationId', 'state', 'declarationType', 'version', 'updatedAt'],
      onlyIf: { property: 'version', storedIs: '<' },
    },
  );
}
