import type { DeclarationSnapshotV1 } from '@npq/contracts';
import { upsertRow, type EntityManager } from '@npq/service-kit';
import { DeclarationRecordSchema } from './entity';

/**
 * Applies finance's snapshot unless an equal or newer one was applied already (one upsert, so replicas
 * cannot both insert it). True when it was applied: a stale snapshot must not trigger outcome side effects.
 */
export async function applyDeclarationSnapshot(
  em: EntityManager,
  d: DeclarationSnapshotV1,
  version: number,
): Promise<boolean> {
  return upsertRow(
    em,
    DeclarationRecordSchema,
    {
      id: d.declarationId,
      applicationId: d.applicationId,
      leadProviderId: d.leadProviderId,
      courseIdentifier: d.courseIdentifier,
      declarationType: d.declarationType,
      declarationDate: new Date(d.declarationDate),
      state: d.state,
      createdAt: new Date(d.createdAt),
      updatedAt: new Date(d.updatedAt),
      version,
    },
    {
      on: 'id',
      update: [
        'applicationId',
        'leadProviderId',
        'courseIdentifier',
        'declarationType',
        'declarationDate',
        'state',
        'updatedAt',
        'version',
      ],
      onlyIf: { property: 'version', storedIs: '<' },
    },
  );
}
