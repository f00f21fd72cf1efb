import { EntitySchema } from '@mikro-orm/postgresql';

/**
 * A sandbox reset in progress for one lead provider (docs/sandbox.md, "Reset", and docs/webhooks.md,
 * "Sandbox reset"): the events it causes are not turned into deliveries, for the provider's resources and for
 * the listed applications at other providers (its `two-providers` person's). `mutedUntil` bounds it, so a
 * reset that never finished does not silence the provider for good.
 */
export class SandboxMute {
  leadProviderId!: string;
  applicationIds!: string[];
  mutedUntil!: Date;
}

export const SandboxMuteSchema = new EntitySchema<SandboxMute>({
  class: SandboxMute,
  tableName: 'sandbox_mutes',
  properties: {
    leadProviderId: { type: 'uuid', primary: true },
    applicationIds: { type: 'json', columnType: 'jsonb' },
    mutedUntil: { type: 'Date', columnType: 'timestamptz' },
  },
});
