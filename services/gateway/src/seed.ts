import { LEAD_PROVIDERS } from '@npq/contracts';
import { createOrm, loadConfig, type Config, type MikroORM } from '@npq/service-kit';
import { LeadProviderRepository } from './lead-providers/repository';
import { gatewayOrmSettings } from './orm-settings';
import { ApiTokenRepository } from './tokens/repository';
import { bootstrapToken, digestToken } from './tokens/token-digest';

export interface SeededToken {
  leadProviderId: string;
  leadProviderName: string;
  token: string;
}

/**
 * Idempotent: the lead providers of the reference data, and outside production one bootstrap API token
 * per provider (derived from the admin token, so the same on every start of this environment).
 */
export async function seedGateway(orm: MikroORM, config: Config): Promise<SeededToken[]> {
  const em = orm.em.fork();
  await new LeadProviderRepository(em).seedReferenceData();
  if (config.NODE_ENV === 'production') return [];
  const tokens = new ApiTokenRepository(em);
  const seeded: SeededToken[] = [];
  for (const lp of LEAD_PROVIDERS) {
    const token = bootstrapToken(config.NPQ_ADMIN_TOKEN, lp.id);
    await tokens.upsertBootstrap(digestToken(config.TOKEN_HMAC_SECRET, token), lp.id);
    seeded.push({ leadProviderId: lp.id, leadProviderName: lp.name, token });
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
