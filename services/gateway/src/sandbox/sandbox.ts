import type { Redis } from 'ioredis';
import { LEAD_PROVIDERS } from '@npq/contracts';
import type { Config, Logger, MikroORM } from '@npq/service-kit';
import { Naming } from '@npq/service-kit';
import { SANDBOX_PEOPLE } from './dataset';
import { forgetPaymentRuns, purgeLeadProvider } from './purge';
import { intakeSecondApplication, isSeeded, runTimeline, type SeedOptions } from './seeder';
import { UpstreamClient, type Upstream } from './upstream';

export interface SandboxDeps {
  config: Config;
  orm: MikroORM;
  redis: Redis;
  logger: Logger;
  upstreams: Record<Upstream, string>;
}

export interface SeedReport {
  seeded: string[];
  alreadySeeded: string[];
  durationMs: number;
}

/** How long a purge waits for the services to publish what they have already committed. */
const OUTBOX_DRAIN_MS = 5000;

/**
 * The sandbox's book of work (docs/sandbox.md): seeding every provider that lacks it at start, and the
 * reset of one provider. Refuses outside the sandbox: production never gets this data.
 */
export class Sandbox {
  private readonly client: UpstreamClient;
  private readonly naming: Naming;
  /** One seed or reset at a time in this process (each drives the shared statement cut-off). */
  private queue: Promise<unknown> = Promise.resolve();

  constructor(private readonly deps: SandboxDeps) {
    if (!deps.config.SANDBOX) throw new Error('the sandbox dataset is only for SANDBOX=true');
    this.client = new UpstreamClient(deps.upstreams, deps.config.INTERNAL_API_SECRET);
    this.naming = new Naming(deps.config.NPQ_NAMESPACE);
  }

  /** Seeds every provider whose dataset is missing or incomplete; a complete one is left exactly as it is. */
  seedAll(options: SeedOptions = {}): Promise<SeedReport> {
    return this.serialised(async () => {
      const started = Date.now();
      const missing: string[] = [];
      const present: string[] = [];
      for (const lp of LEAD_PROVIDERS) {
        ((await isSeeded(this.client, lp.id)) ? present : missing).push(lp.id);
      }
      if (missing.length > 0) await this.purgeAndSeed(missing, options);
      return { seeded: missing, alreadySeeded: present, durationMs: Date.now() - started };
    });
  }

  /** Restores one provider's dataset: its data goes, and the seed is written again with the same ids. */
  reset(leadProviderId: string, options: SeedOptions = {}): Promise<SeedReport> {
    return this.serialised(async () => {
      const started = Date.now();
      await this.purgeAndSeed([leadProviderId], options);
      return { seeded: [leadProviderId], alreadySeeded: [], durationMs: Date.now() - started };
    });
  }

  private async purgeAndSeed(leadProviderIds: string[], options: SeedOptions): Promise<void> {
    await this.waitForOutboxes();
    for (const lp of leadProviderIds) {
      const paid = await purgeLeadProvider(this.deps.orm.em.fork(), lp);
      await forgetPaymentRuns(this.deps.redis, this.naming, paid);
    }
    await runTimeline(this.client, leadProviderIds, options);
    // The previous provider's `two-providers` person applied here too; that application went with the purge.
    const nowAt = new Date().toISOString().replace(/\.\d{3}Z$/, 'Z');
    for (const lp of leadProviderIds) {
      const i = LEAD_PROVIDERS.findIndex((x) => x.id === lp);
      const previous = LEAD_PROVIDERS[(i + LEAD_PROVIDERS.length - 1) % LEAD_PROVIDERS.length]!.id;
      if (leadProviderIds.includes(previous)) continue;
      if (await isSeeded(this.client, previous)) {
        await intakeSecondApplication(this.client, previous, '2025-06-02T09:00:00Z');
      }
    }
    this.deps.logger.info(
      { leadProviders: leadProviderIds.length, people: SANDBOX_PEOPLE.length, at: nowAt },
      'sandbox dataset seeded',
    );
  }

  /**
   * A purge deletes rows whose events may still be on their way: an event applied after the purge would
   * bring back a projection row with a newer version than the re-seed's. The services publish what they
   * committed within their poll interval; waiting for their outboxes to empty closes that window.
   */
  private async waitForOutboxes(): Promise<void> {
    const em = this.deps.orm.em.fork();
    const deadline = Date.now() + OUTBOX_DRAIN_MS;
    for (;;) {
      const rows: { n: number }[] = await em.execute(
        `select (select count(*) from applications.outbox where published_at is null)
              + (select count(*) from training.outbox where published_at is null)
              + (select count(*) from finance.outbox where published_at is null) as n`,
      );
      if (Number(rows[0]?.n ?? 0) === 0 || Date.now() > deadline) return;
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  private serialised<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.queue.then(fn, fn);
    this.queue = run.catch(() => undefined);
    return run;
  }
}
