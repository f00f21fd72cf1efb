import { LEAD_PROVIDERS } from '@npq/contracts';
import { createLogger, loadConfig } from '@npq/service-kit';
import { SEED_DELIVERY_PARTNER_ID } from './sandbox/partners';
import { sandboxApplicationId, sandboxParticipantId, SANDBOX_PEOPLE } from './sandbox/dataset';
import { Sandbox } from './sandbox/sandbox';

/**
 * The start script's sandbox step (docs/sandbox.md): once every process is ready, seeds each lead provider
 * whose dataset is missing (a complete one is left as it is) and prints, as one JSON line, the ids the
 * start script's examples use. Does nothing with SANDBOX=false.
 */
async function main(): Promise<void> {
  const config = loadConfig();
  if (!config.SANDBOX) {
    process.stdout.write(`${JSON.stringify({ sandbox: null })}\n`);
    return;
  }
  const logger = createLogger('sandbox-seed', config.LOG_LEVEL);
  const sandbox = new Sandbox({
    config,
    logger,
    upstreams: {
      applications: config.APPLICATIONS_URL,
      training: config.TRAINING_URL,
      finance: config.FINANCE_URL,
      webhooks: config.WEBHOOKS_URL,
    },
  });
  const report = await sandbox.seedAll();
  const examples = Object.fromEntries(
    LEAD_PROVIDERS.map((lp) => [
      lp.id,
      {
        pendingApplication: sandboxApplicationId(lp.id, 'pending-capped'),
        declarationParticipant: sandboxParticipantId(lp.id, 'eligible'),
        declarationCourse: SANDBOX_PEOPLE.find((p) => p.key === 'eligible')!.course,
        deliveryPartner: SEED_DELIVERY_PARTNER_ID,
        outcomeParticipant: sandboxParticipantId(lp.id, 'passed'),
      },
    ]),
  );
  process.stdout.write(`${JSON.stringify({ sandbox: { ...report, examples } })}\n`);
}

main().catch((err: unknown) => {
  process.stderr.write(
    `sandbox seed failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`,
  );
  process.exit(1);
});
