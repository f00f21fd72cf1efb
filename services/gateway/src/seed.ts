import { LEAD_PROVIDERS } from '@npq/contracts';
import { createOrm, loadConfig, toRfc3339, type Config, type MikroORM } from '@npq/service-kit';
import { LeadProviderRepository } from './lead-providers/repository';
import { gatewayOrmSettings } from './orm-settings';
import { ApiTokenRepository } from './tokens/repository';
import { bootstrapToken, digestToken } from './tokens/token-digest';

export interface SeededToken {
  leadProviderId: string;
  leadProviderName: string;
  /** The bootstrap token's id, as the admin API lists it (`DELETE /admin/v1/api-tokens/{id}` revokes it). */
  tokenId: string;
  /** The clear token; null once it was revoked, since a revoked bootstrap token is never restored. */
  token: string | null;
  /** When it was revoked (RFC 3339), or null. */
  revokedAt: string | null;
}

/**
 * Idempotent: the lead providers of the reference data, and outside production one bootstrap API token
 * per provider (derived from the admin token, so the same on every start of this environment). A bootstrap
 * token an operator revoked stays revoked: seeding again on a restart never restores it, and its clear value
 * is not reported (docs/architecture.md "Bootstrap tokens").
 */
export async function seedGateway(orm: MikroORM, config: Config): Promise<SeededToken[]> {
  const em = orm.em.fork();
  await new LeadProviderRepository(em).seedReferenceData();
  if (config.NODE_ENV === 'production') return [];
  const tokens = new ApiTokenRepository(em);
  const seeded: SeededToken[] = [];
  for (const lp of LEAD_PROVIDERS) {
    const token = bootstrapToken(config.NPQ_ADMIN_TOKEN, lp.id);
    const stored = await tokens.ensureBootstrap(digestToken(config.TOKEN_HMAC_SECRET, token), lp.id);
    seeded.push({
      leadProviderId: lp.id,
      leadProviderName: lp.name,
      tokenId: stored.id,
      token: stored.revokedAt ? null : token,
      revokedAt: stored.revokedAt ? toRfc3339(stored.revokedAt) : null,
    });
  }
  return seeded;
}

if (require.main === module) {
  const config = loadConfig();
  createOrm(gatewayOrmSettings(config.DATABASE_URL))
    .then(async (orm) => {
      try {
        const tokens = await seedGateway(orm, config);
        // Machine-readable for the start script, which prints the tokens for the developer.
        process.stdout.write(`${JSON.stringify({ tokens })}\n`);
      } finally {
        await orm.close();
      }
    })
    .catch((err: unknown) => {
      process.stderr.write(
        `gateway seed failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`,
      );
      process.exit(1);
    });
}
