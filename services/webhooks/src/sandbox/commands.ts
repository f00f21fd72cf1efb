import type { EntityManager, SandboxPurgeInput } from '@npq/service-kit';
import { DeliveryAttemptSchema, DeliverySchema } from '../deliveries/entity';
import { SandboxMuteSchema } from './entity';

/** How long a mute lasts unless the reset ends it first. */
export const MUTE_MS = 5 * 60_000;

/**
 * The reset's first step here (docs/webhooks.md, "Sandbox reset"): the provider's deliveries and their
 * attempts go (they are about data the reset deletes; a pending one would send a resource that is gone),
 * its subscriptions stay as they are, and the events of the reset are muted until `unmute`.
 */
export async function purgeAndMute(em: EntityManager, input: SandboxPurgeInput) {
  return em.transactional(async (tx) => {
    const rows: { id: string }[] = await tx.execute(
      `select id from "${tx.config.get('schema')}"."deliveries" where lead_provider_id = ?`,
      [input.leadProviderId],
    );
    const ids = rows.map((r) => r.id);
    const attempts =
      ids.length > 0 ? await tx.nativeDelete(DeliveryAttemptSchema, { deliveryId: { $in: ids } }) : 0;
    const deliveries = await tx.nativeDelete(DeliverySchema, { leadProviderId: input.leadProviderId });
    await tx.upsert(SandboxMuteSchema, {
      leadProviderId: input.leadProviderId,
      applicationIds: input.applicationIds,
      mutedUntil: new Date(Date.now() + MUTE_MS),
    });
    return { deliveries, attempts };
  });
}

/** Ends the provider's mute. */
export async function unmute(em: EntityManager, leadProviderId: string): Promise<void> {
  await em.nativeDelete(SandboxMuteSchema, { leadProviderId });
}

/**
 * Whether a message about `resourceId` for `leadProviderId` falls under a reset in progress. Only the
 * sandbox ever has mutes (the routes that make them answer 404 elsewhere).
 */
export async function isMuted(
  em: EntityManager,
  leadProviderId: string,
  resourceId: string,
): Promise<boolean> {
  const mutes = await em.find(SandboxMuteSchema, { mutedUntil: { $gt: new Date() } });
  return mutes.some((m) => m.leadProviderId === leadProviderId || m.applicationIds.includes(resourceId));
}
