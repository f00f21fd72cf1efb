import { LEAD_PROVIDERS } from '@npq/contracts';
import type { Config, Logger } from '@npq/service-kit';
import { SANDBOX_PEOPLE, sandboxPeopleIds, sandboxSecondApplicationId } from './dataset';
import { intakeSecondApplication, isSeeded, runTimeline, type SeedOptions } from './seeder';
import { UpstreamClient, UpstreamError, type Upstream } from './upstream';

export interface SandboxDeps {
  config: Config;
  logger: Logger;
  /** The webhooks service is optional: without it there is nothing to keep quiet (docs/webhooks.md). */
  upstreams: Record<Exclude<Upstream, 'webhooks'>, string> & { webhooks?: string };
}

export interface SeedReport {
  seeded: string[];
  alreadySeeded: string[];
  durationMs: number;
}

/** What every service's `POST /internal/sandbox/purge` takes for one provider. */
function purgeBody(leadProviderId: string) {
  return {
    data: {
      type: 'sandbox-purge',
      attributes: {
        lead_provider_id: leadProviderId,
        person_ids: sandboxPeopleIds(leadProviderId),
        application_ids: [sandboxSecondApplicationId(leadProviderId)],
      },
    },
  };
}

/** Finance first (its completion marker is what `isSeeded` reads), then training, then applications. */
const PURGE_ORDER: readonly Upstream[] = ['finance', 'training', 'applications'];

/**
 * The sandbox's book of work (docs/sandbox.md): seeding every provider that lacks it at start, and the
 * reset of one provider. Refuses outside the sandbox: production never gets this data.
 */
export class Sandbox {
  private readonly client: UpstreamClient;
  /** One seed or reset at a time in this process (each drives the shared statement cut-off). */
  private queue: Promise<unknown> = Promise.resolve();

  constructor(private readonly deps: SandboxDeps) {
    if (!deps.config.SANDBOX) throw new Error('the sandbox dataset is only for SANDBOX=true');
    this.client = new UpstreamClient(deps.upstreams, deps.config.INTERNAL_API_SECRET);
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
    // A purge deletes rows whose events may still be on their way: an event applied after the purge would
    // bring back a projection row with a newer version than the re-seed's. The services publish what they
    // committed within their poll interval; waiting for every outbox to empty before the first purge closes
    // that window (each purge also drops its own unpublished events of the rows it deletes).
    await this.drainOutboxes();
    // Webhooks first: the events the reset causes are muted from here on (docs/webhooks.md, "Sandbox reset").
    for (const lp of leadProviderIds) await this.webhooks('/internal/sandbox/purge', purgeBody(lp));
    for (const lp of leadProviderIds) await this.purge(lp);
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
    // Every event of the seed is published (and so ahead of the webhooks consumer's position) before the
    // webhooks service waits for its consumer to pass them and lifts the mute.
    await this.drainOutboxes();
    for (const lp of leadProviderIds) {
      const answer = await this.webhooks<{ data: { attributes: { caught_up: boolean } } }>(
        '/internal/sandbox/unmute',
        { data: { type: 'sandbox-unmute', attributes: { lead_provider_id: lp } } },
      );
      if (answer && !answer.data.attributes.caught_up) {
        this.deps.logger.warn(
          { leadProviderId: lp },
          'webhooks consumer not caught up after the sandbox seed: the provider stays muted until the mute expires',
        );
      }
    }
    this.deps.logger.info(
      { leadProviders: leadProviderIds.length, people: SANDBOX_PEOPLE.length, at: nowAt },
      'sandbox dataset seeded',
    );
  }

  private async drainOutboxes(): Promise<void> {
    await Promise.all(PURGE_ORDER.map((s) => this.client.call(s, 'POST', '/internal/sandbox/outbox-drain')));
  }

  /**
   * A call to the webhooks service's sandbox routes. A webhooks service that is not there (no URL, or
   * nothing listening) has nothing to mute: the reset goes on, and says so; any answer but 2xx fails it.
   */
  private async webhooks<T>(path: string, body: unknown): Promise<T | undefined> {
    if (!this.deps.upstreams.webhooks) return undefined;
    try {
      return await this.client.call<T>('webhooks', 'POST', path, { body });
    } catch (err) {
      if (err instanceof UpstreamError) throw err;
      this.deps.logger.warn({ err, path }, 'webhooks service unreachable during the sandbox seed');
      return undefined;
    }
  }

  /**
   * Deletes one provider's book of work: each service deletes it from its own schema (and finance forgets its
   * payment runs) through its sandbox-only `POST /internal/sandbox/purge` (docs/architecture.md: a service
   * owns its schema and queues). Not one transaction across services, so the order and idempotence matter
   * (docs/sandbox.md, "Reset"): every purge deletes what is there and nothing else, so a reset that failed
   * part-way converges when run again; finance goes first because its completion marker is what `isSeeded`
   * reads, so a provider purged part-way already reads as unseeded and the next start's seed redoes it too.
   */
  private async purge(leadProviderId: string): Promise<void> {
    const body = purgeBody(leadProviderId);
    for (const upstream of PURGE_ORDER) {
      await this.client.call(upstream, 'POST', '/internal/sandbox/purge', { body });
    }
  }

  private serialised<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.queue.then(fn, fn);
    this.queue = run.catch(() => undefined);
    return run;
  }
}
