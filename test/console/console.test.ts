import { randomUUID } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { AxeBuilder } from '@axe-core/playwright';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import type { Redis } from 'ioredis';
import { CUTOFF_QUEUE, PAYMENT_QUEUE } from '@npq/finance';
import { createDqtPushService, DQT_PUSH_QUEUE, type DqtPushService } from '@npq/training';
import { WEBHOOK_DELIVERY_QUEUE } from '@npq/webhooks';
import { createRedis, PLATFORM_QUEUES } from '@npq/service-kit';
import { TEST_REDIS_URL } from '@npq/test-kit';
import { ADMIN_TOKEN, startSystem, type System } from '../support/system';
import { CHROMIUM, startConsole, type RunningConsole } from '../support/console';
import { AMBITION, createAcceptedApplication, createApplication } from '../support/fixtures';
import { eventually } from '../support/eventually';

/**
 * The ops console (docs/console.md) driven in Debian's Chromium against the whole platform: sign-in and
 * sessions, every page with the sandbox's data (each checked with axe-core and saved as a screenshot under
 * test/.artifacts/console/), and the operators' actions end to end: authorise a payment until paid, re-send
 * failed DQT deliveries to a real local receiver, redrive a parked message, change and merge people, create
 * and revoke an API token; CSRF and idle expiry enforced; an audit line per action without personal data.
 */

jest.setTimeout(120_000);

const ARTEFACTS = path.join(__dirname, '..', '.artifacts', 'console');
const DQT_KEY = 'console-test-dqt-key';

/** A stand-in for DQT on a real local port: refuses every push (400) until told to accept them (204). */
class DqtReceiver {
  accepting = false;
  received = 0;
  url = '';
  private server: Server | undefined;

  async start(): Promise<void> {
    this.server = createServer((req, res) => {
      req.resume();
      req.on('end', () => {
        this.received++;
        if (this.accepting) {
          res.writeHead(204).end();
        } else {
          res.writeHead(400, { 'content-type': 'application/json' });
          res.end(JSON.stringify({ title: 'Teacher record not open for qualifications' }));
        }
      });
    });
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  async stop(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise((resolve) => this.server?.close(resolve));
  }
}

let system: System;
let receiver: DqtReceiver;
let dqtRedis: Redis;
let dqt: DqtPushService;
let app: RunningConsole;
let browser: Browser;
let context: BrowserContext;
let page: Page;

beforeAll(async () => {
  mkdirSync(ARTEFACTS, { recursive: true });
  receiver = new DqtReceiver();
  await receiver.start();
  system = await startSystem({
    listen: true,
    sandbox: true,
    webhooks: true,
    // The sandbox seed waits for each write to reach the other services; this machine may be busy.
    config: {
      DQT_API_URL: receiver.url,
      DQT_API_KEY: DQT_KEY,
      DQT_TIMEOUT_MS: 5000,
      READ_YOUR_WRITES_TIMEOUT_MS: 20_000,
    },
  });
  dqtRedis = createRedis(TEST_REDIS_URL, 'console-test-dqt');
  dqt = createDqtPushService(system.services.training.runtime, dqtRedis, {
    backoff: { baseMs: 50, capMs: 400, minJitter: 0.75 },
    attempts: 3,
    orderingDelayMs: 50,
    sweepEveryMs: 100,
    lockDurationMs: 2000,
    stalledIntervalMs: 500,
    staleAfterMs: 2000,
  });
  await dqt.start();
  app = await startConsole(system);
  browser = await chromium.launch({ executablePath: CHROMIUM });
  context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  page = await context.newPage();
}, 600_000);

afterAll(async () => {
  await context?.close();
  await browser?.close();
  await app?.close();
  await dqt?.close(true);
  await dqtRedis?.quit();
  await system?.close();
  await receiver?.stop();
});

async function signIn(p: Page, url = app.url, token = ADMIN_TOKEN): Promise<void> {
  await p.goto(`${url}/sign-in`);
  await p.getByLabel('Admin token').fill(token);
  await p.getByRole('button', { name: 'Sign in' }).click();
  await p.waitForLoadState('load');
}

/** The page has no axe-core violation (WCAG 2.2 AA rules and best practices), and its screenshot is saved. */
async function checkPage(p: Page, name: string): Promise<void> {
  const results = await new AxeBuilder({ page: p }).analyze();
  const violations = results.violations.map((v) => ({
    id: v.id,
    impact: v.impact,
    nodes: v.nodes.map((n) => n.target.join(' ')).slice(0, 5),
  }));
  expect({ page: name, violations }).toEqual({ page: name, violations: [] });
  await p.screenshot({ path: path.join(ARTEFACTS, `${name}.png`), fullPage: true });
}

/** The one-time banner an action leaves on the page it leads to. */
const banner = (p: Page) => p.locator('.govuk-notification-banner').innerText();

const adminGet = async (url: string) => {
  const res = await system.admin.get(url);
  if (res.status !== 200) throw new Error(`${url}: ${res.status} ${res.text}`);
  return res.body;
};

describe('the queue dashboard reads the queues the services use', () => {
  it("lists every service's queue under the name the service creates", () => {
    const names = PLATFORM_QUEUES.map((q) => q.name);
    for (const name of [DQT_PUSH_QUEUE, CUTOFF_QUEUE, PAYMENT_QUEUE, WEBHOOK_DELIVERY_QUEUE]) {
      expect(names).toContain(name);
    }
    for (const service of ['applications', 'training', 'finance', 'webhooks']) {
      expect(names).toContain(`${service}-maintenance`);
    }
  });
});

describe('sign-in', () => {
  it('refuses a wrong token, and signs in with the admin token without the token reaching the browser', async () => {
    await page.goto(`${app.url}/`);
    expect(new URL(page.url()).pathname).toBe('/sign-in');
    await checkPage(page, 'sign-in');

    const refused = await context.newPage();
    await refused.goto(`${app.url}/sign-in`);
    await refused.getByLabel('Admin token').fill('not-the-admin-token');
    const [response] = await Promise.all([
      refused.waitForResponse((r) => r.url().endsWith('/sign-in') && r.request().method() === 'POST'),
      refused.getByRole('button', { name: 'Sign in' }).click(),
    ]);
    expect(response.status()).toBe(401);
    await expect(refused.getByText('The admin token is not valid').first().isVisible()).resolves.toBe(true);
    await refused.close();

    await signIn(page);
    expect(new URL(page.url()).pathname).toBe('/');
    const cookies = await context.cookies(app.url);
    const session = cookies.find((c) => c.name === 'npq-console-session');
    expect(session).toMatchObject({ httpOnly: true, sameSite: 'Strict', path: '/' });
    for (const c of cookies) expect(c.value).not.toContain(ADMIN_TOKEN);
    expect(await page.content()).not.toContain(ADMIN_TOKEN);
    // Nor is it in Redis in clear: the session holds it encrypted.
    const keys = await system.redis.keys(`npq_${system.config.NPQ_NAMESPACE}:console:session:*`);
    expect(keys.length).toBeGreaterThan(0);
    for (const key of keys) expect(await system.redis.get(key)).not.toContain(ADMIN_TOKEN);
  });
});

describe('overview', () => {
  it('shows every service and dependency, the queues, consumers, outbox, parked messages and what is due', async () => {
    await page.goto(`${app.url}/`);
    await expect(page.getByRole('heading', { name: 'Overview' }).isVisible()).resolves.toBe(true);
    const status = (await adminGet('/admin/v1/system/status')).data.attributes;
    for (const row of [...status.services, ...status.dependencies, ...status.queues]) {
      await expect(
        page.getByRole('rowheader', { name: row.name, exact: true }).count(),
      ).resolves.toBeGreaterThan(0);
    }
    for (const c of status.consumers) {
      await expect(page.getByRole('rowheader', { name: c.consumer, exact: true }).count()).resolves.toBe(1);
    }
    await expect(page.getByText('Statements payable, not yet authorised').isVisible()).resolves.toBe(true);
    await checkPage(page, 'overview');
  });
});

describe('statements', () => {
  it('filters statements, shows the money breakdown, chart and declarations, and exports CSV', async () => {
    await page.goto(`${app.url}/statements`);
    await page.getByLabel('Lead provider').selectOption(AMBITION.id);
    await page.getByLabel('State').selectOption('paid');
    await page.getByRole('button', { name: 'Filter' }).click();
    const rows = page.locator('tbody tr');
    expect(await rows.count()).toBeGreaterThan(0);
    for (const text of await rows.allInnerTexts()) {
      expect(text).toContain(AMBITION.name);
      expect(text).toContain('Paid');
    }
    await checkPage(page, 'statements');

    await rows.first().getByRole('link').click();
    await expect(page.getByRole('heading', { name: 'Money' }).isVisible()).resolves.toBe(true);
    const id = new URL(page.url()).pathname.split('/').at(-1)!;
    const statement = (await adminGet(`/admin/v1/statements/${id}`)).data.attributes;
    const breakdown = (await adminGet(`/admin/v1/statements/${id}/breakdown`)).data.attributes;
    expect(breakdown.total).toBe(statement.total_payment);
    const money = new Intl.NumberFormat('en-GB', { style: 'currency', currency: 'GBP' });
    await expect(page.getByTestId('statement-total').innerText()).resolves.toBe(
      money.format(Number(breakdown.total)),
    );
    for (const line of breakdown.output_payments) {
      await expect(
        page.getByRole('cell', { name: money.format(Number(line.subtotal)) }).count(),
      ).resolves.toBeGreaterThan(0);
    }
    // The chart: one bar per statement of the cohort, this one marked.
    const cohort = (
      await adminGet(
        `/admin/v1/statements?filter[lead_provider_id]=${AMBITION.id}&filter[cohort]=${statement.cohort}&page[per_page]=1000`,
      )
    ).data.filter((s: any) => s.attributes.cohort_suffix === statement.cohort_suffix);
    await expect(page.locator('svg.console-chart rect').count()).resolves.toBe(cohort.length);
    await expect(page.locator('svg.console-chart rect.console-chart__bar--current').count()).resolves.toBe(1);
    const declarations = (await adminGet(`/admin/v1/statements/${id}/declarations?page[per_page]=50`)).data;
    expect(declarations.length).toBeGreaterThan(0);
    await expect(
      page.locator('a', { hasText: declarations[0].attributes.participant_id }).count(),
    ).resolves.toBeGreaterThan(0);
    await checkPage(page, 'statement');

    const [download] = await Promise.all([
      page.waitForEvent('download'),
      page.getByRole('link', { name: 'Download the declarations as CSV' }).click(),
    ]);
    expect(download.suggestedFilename()).toBe(`statement-${id}.csv`);
    const csv = await (await download.createReadStream()).toArray();
    const lines = Buffer.concat(csv).toString('utf8').trim().split('\n');
    expect(lines[0]).toBe(
      'id,participant_id,course_identifier,declaration_type,state,declaration_date,amount',
    );
    expect(lines).toHaveLength(declarations.length + 1);
  });

  it('authorises a payment after a confirmation, then follows it until the statement is paid', async () => {
    const payable = (
      await adminGet(`/admin/v1/statements?filter[state]=payable&page[per_page]=1000`)
    ).data.find((s: any) => s.attributes.output_fee && s.attributes.marked_as_paid_at === null);
    expect(payable).toBeDefined();
    await page.goto(`${app.url}/statements/${payable.id}`);
    await expect(page.getByTestId('statement-progress').innerText()).resolves.toContain(
      'Payable after the cut-off (now)',
    );
    await page.getByRole('button', { name: 'Authorise payment' }).click();
    await expect(page.getByRole('heading', { level: 1 }).innerText()).resolves.toContain('Authorise payment');
    await checkPage(page, 'statement-authorise');
    await page.getByRole('button', { name: 'Confirm and authorise payment' }).click();
    await expect(banner(page)).resolves.toContain('Payment authorised');
    // The page follows the payment run by itself (its script polls) until the statement is paid.
    await page.getByTestId('statement-progress').getByText('Paid (now)').waitFor({ timeout: 30_000 });
    const after = (await adminGet(`/admin/v1/statements/${payable.id}`)).data.attributes;
    expect(after.state).toBe('paid');
  });
});

describe('API tokens', () => {
  it('creates a token (shown once), which works until it is revoked', async () => {
    await page.goto(`${app.url}/lead-providers`);
    await checkPage(page, 'lead-providers');
    await page.getByRole('link', { name: AMBITION.name }).click();
    await page.getByRole('button', { name: 'Create an API token' }).click();
    const token = await page.getByTestId('shown-once-secret').innerText();
    expect(token.length).toBeGreaterThan(10);
    const asProvider = system.anonymous.withToken(token);
    expect((await asProvider.get('/api/v3/statements')).status).toBe(200);
    await page.reload();
    await expect(page.getByTestId('shown-once-secret').count()).resolves.toBe(0);
    expect(await page.content()).not.toContain(token);
    await checkPage(page, 'lead-provider');

    const tokens = (await adminGet(`/admin/v1/api-tokens?filter[lead_provider_id]=${AMBITION.id}`)).data;
    const created = tokens.filter((t: any) => !t.attributes.bootstrap).at(-1);
    await page
      .locator('tr', { hasText: created.id })
      .getByRole('link', { name: /Revoke/ })
      .click();
    await checkPage(page, 'api-token-revoke');
    await page.getByRole('button', { name: 'Revoke token' }).click();
    await expect(banner(page)).resolves.toContain('API token revoked');
    expect((await asProvider.get('/api/v3/statements')).status).toBe(401);
  });

  it('lists webhook subscriptions with their delivery health', async () => {
    await page.goto(`${app.url}/webhook-subscriptions`);
    await expect(page.getByRole('heading', { name: 'Webhook subscriptions' }).isVisible()).resolves.toBe(
      true,
    );
    await checkPage(page, 'webhook-subscriptions');
  });
});

describe('participants', () => {
  it('finds a person by TRN or email, changes their identity and merges a duplicate into them after a preview', async () => {
    const kept = await createApplication(system.admin, { course_identifier: 'npq-headship' });
    const duplicate = await createApplication(system.admin, { course_identifier: 'npq-leading-teaching' });
    const keptId = kept.attributes.participant_id as string;
    const duplicateId = duplicate.attributes.participant_id as string;

    await page.goto(`${app.url}/participants`);
    await page.getByLabel('Participant id, TRN or email').fill(duplicate.attributes.email.toUpperCase());
    await page.getByRole('button', { name: 'Search' }).click();
    await expect(page.getByText('1 person found').isVisible()).resolves.toBe(true);
    await checkPage(page, 'participants-search');
    await page.getByRole('link', { name: duplicate.attributes.full_name }).click();
    expect(new URL(page.url()).pathname).toBe(`/participants/${duplicateId}`);

    await page.getByRole('button', { name: 'Merge into another participant' }).click();
    await page.getByLabel('Participant id to keep').fill(keptId);
    await page.getByRole('button', { name: 'Preview the merge' }).click();
    await expect(page.getByRole('heading', { name: 'Check the merge' }).isVisible()).resolves.toBe(true);
    await expect(page.locator('.govuk-summary-list').innerText()).resolves.toMatch(/Applications moving\s+1/);
    await checkPage(page, 'participant-merge-preview');
    await page.getByRole('button', { name: 'Confirm merge' }).click();
    await expect(banner(page)).resolves.toContain('Participants merged');
    expect(new URL(page.url()).pathname).toBe(`/participants/${keptId}`);
    await expect(page.locator('table', { hasText: 'From (retired)' }).innerText()).resolves.toContain(
      duplicateId,
    );
    expect((await system.admin.get(`/admin/v1/participants/${duplicateId}`)).status).toBe(404);

    await page.getByRole('button', { name: 'Change identity' }).click();
    await page.getByLabel('Full name').fill('Renamed Person');
    await page.getByRole('button', { name: 'Save changes' }).click();
    await expect(banner(page)).resolves.toContain('Identity changed');
    const detail = (await adminGet(`/admin/v1/participants/${keptId}`)).data.attributes;
    expect(detail.full_name).toBe('Renamed Person');
    expect(detail.previous_names).toContain(kept.attributes.full_name);
    expect(detail.applications).toHaveLength(2);
    await checkPage(page, 'participant');

    await page.getByRole('button', { name: 'Change identity' }).click();
    await checkPage(page, 'participant-edit');
  });
});

describe('DQT deliveries', () => {
  it('shows failed deliveries with their attempts and re-sends one, then all, to a real receiver', async () => {
    // The sandbox's passed outcomes were pushed to a receiver that refused them (400: a permanent failure).
    await eventually(
      () => adminGet('/admin/v1/outcome-deliveries?filter[state]=failed&page[per_page]=1000'),
      (b) => b.data.length >= 2,
      30_000,
    );
    await page.goto(`${app.url}/outcome-deliveries?state=failed`);
    await checkPage(page, 'outcome-deliveries');
    await page.locator('tbody tr').first().getByRole('link').first().click();
    const id = new URL(page.url()).pathname.split('/').at(-1)!;
    await expect(page.locator('table', { hasText: 'Response' }).innerText()).resolves.toContain('400');
    await checkPage(page, 'outcome-delivery');

    receiver.accepting = true;
    await page.getByRole('button', { name: 'Retry this delivery' }).click();
    await expect(banner(page)).resolves.toContain('Delivery queued again');
    await eventually(
      async () => {
        await page.reload();
        return page.getByTestId('delivery-state').innerText();
      },
      (state) => state.trim() === 'Sent',
      30_000,
    );
    const attempts = (await adminGet(`/admin/v1/outcome-deliveries/${id}/attempts`)).data;
    expect(attempts.at(-1).attributes.status_code).toBe(204);

    const failed = (await adminGet('/admin/v1/outcome-deliveries?filter[state]=failed&page[per_page]=1000'))
      .data;
    await page.goto(`${app.url}/outcome-deliveries?state=failed`);
    await page.getByRole('button', { name: 'Retry all failed deliveries' }).click();
    await expect(banner(page)).resolves.toContain(`${failed.length} failed deliveries queued again`);
    await eventually(
      () => adminGet('/admin/v1/outcome-deliveries?filter[state]=failed&page[per_page]=1000'),
      (b) => b.data.length === 0,
      30_000,
    );
  });
});

describe('parked messages', () => {
  const sql = <T>(query: string, params: unknown[] = []) =>
    system.services.training.runtime.orm.em.fork().execute<T[]>(query, params);

  it('shows what failed, why and how often, and redrives a message once its cause is fixed', async () => {
    const accepted = await createAcceptedApplication(
      system,
      { full_name: 'Before Redrive' },
      { at: '2025-09-15T10:00:00Z' },
    );
    const participantId = accepted.attributes.participant_id as string;
    // A defect in training: it cannot apply person.updated events (the database up), so it parks one.
    await sql(`create or replace function training.console_defect() returns trigger language plpgsql as
      $$ begin raise exception 'simulated defect'; end $$`);
    await sql(`create trigger console_defect before insert on training.inbox for each row
      when (new.name = 'person.updated') execute function training.console_defect()`);
    try {
      const patched = await system.admin.patch(`/admin/v1/participants/${participantId}`, {
        data: { type: 'participant', attributes: { full_name: 'After Redrive' } },
      });
      expect(patched.status).toBe(200);
      await eventually(
        () => adminGet('/admin/v1/parked-messages?page[per_page]=3000'),
        (b) =>
          b.data.some(
            (m: any) =>
              m.attributes.service === 'training' && m.attributes.error.includes('simulated defect'),
          ),
        60_000,
      );
    } finally {
      // The fix.
      await sql('drop trigger if exists console_defect on training.inbox');
      await sql('drop function if exists training.console_defect()');
    }
    await page.goto(`${app.url}/parked-messages`);
    const row = page.locator('tbody tr', { hasText: 'simulated defect' });
    await expect(row.innerText()).resolves.toContain('training');
    await checkPage(page, 'parked-messages');
    await row.getByRole('link').click();
    await expect(page.locator('.govuk-summary-list').innerText()).resolves.toMatch(/Deliveries\s+5/);
    await checkPage(page, 'parked-message');
    await page.getByRole('button', { name: 'Redrive' }).click();
    await expect(banner(page)).resolves.toContain('Message redriven: its handler applied it');
    await expect(page.locator('.govuk-summary-list').innerText()).resolves.toMatch(/State\s+Redriven/);
    const fresh = await system.provider(AMBITION.id).get(`/api/v3/participants/npq/${participantId}`);
    expect(fresh.body.data.attributes.full_name).toBe('After Redrive');
  });

  it('discards a message that can never be applied (kept for audit)', async () => {
    const { js, naming } = system.services.training.runtime.messaging;
    const subject = naming.subjectFor('person.updated');
    await js.publish(subject, new TextEncoder().encode('this is not an event'), { msgID: randomUUID() });
    const parked = await eventually(
      () => adminGet('/admin/v1/parked-messages?page[per_page]=3000'),
      (b) => b.data.filter((m: any) => m.attributes.event_id === null).length === 3,
      30_000,
    );
    const message = parked.data.find(
      (m: any) => m.attributes.event_id === null && m.attributes.service === 'training',
    );
    await page.goto(`${app.url}/parked-messages/${message.id}`);
    await page.getByRole('button', { name: 'Discard' }).click();
    await expect(banner(page)).resolves.toContain('Message discarded');
    await page.goto(`${app.url}/parked-messages?state=discarded`);
    await expect(page.locator('tbody').innerText()).resolves.toContain(subject);
  });
});

describe('queues', () => {
  it('mounts the queue dashboard behind the sign-in', async () => {
    await page.goto(`${app.url}/queues`);
    await page.getByText(DQT_PUSH_QUEUE).first().waitFor();
    const anonymous = await browser.newContext();
    const other = await anonymous.newPage();
    await other.goto(`${app.url}/queues`);
    expect(new URL(other.url()).pathname).toBe('/sign-in');
    const api = await anonymous.request.get(`${app.url}/queues/api/queues`, { maxRedirects: 0 });
    expect(api.status()).toBe(303);
    await anonymous.close();
  });
});

describe('CSRF and sessions', () => {
  it('refuses a form without the session CSRF token, and a dashboard call from another origin', async () => {
    const before = (await adminGet(`/admin/v1/api-tokens?filter[lead_provider_id]=${AMBITION.id}`)).data
      .length;
    const withoutToken = await context.request.post(`${app.url}/lead-providers/${AMBITION.id}/api-tokens`, {
      form: {},
      maxRedirects: 0,
    });
    expect(withoutToken.status()).toBe(403);
    const wrongToken = await context.request.post(`${app.url}/lead-providers/${AMBITION.id}/api-tokens`, {
      form: { _csrf: 'forged' },
      maxRedirects: 0,
    });
    expect(wrongToken.status()).toBe(403);
    const fromElsewhere = await context.request.put(
      `${app.url}/queues/api/queues/${DQT_PUSH_QUEUE}/retry/failed`,
      {
        headers: { origin: 'https://evil.example' },
        maxRedirects: 0,
      },
    );
    expect(fromElsewhere.status()).toBe(403);
    const after = (await adminGet(`/admin/v1/api-tokens?filter[lead_provider_id]=${AMBITION.id}`)).data
      .length;
    expect(after).toBe(before);
  });

  it('ends a session after its idle time, and at sign-out for good', async () => {
    const short = await startConsole(system, { CONSOLE_SESSION_IDLE_S: 1 });
    const ctx = await browser.newContext();
    try {
      const p = await ctx.newPage();
      await signIn(p, short.url);
      expect(new URL(p.url()).pathname).toBe('/');
      // Past the idle time (1 s), the next request finds no session.
      await new Promise((resolve) => setTimeout(resolve, 2500));
      await p.goto(`${short.url}/statements`);
      expect(new URL(p.url()).pathname).toBe('/sign-in');
      await expect(p.getByText('Your session has ended').isVisible()).resolves.toBe(true);

      await signIn(p, short.url);
      const cookie = (await ctx.cookies(short.url)).find((c) => c.name === 'npq-console-session')!;
      await p.getByRole('button', { name: 'Sign out' }).click();
      await expect(p.getByText('You have signed out').isVisible()).resolves.toBe(true);
      // The old cookie replayed finds nothing: the session is gone on the server.
      await ctx.addCookies([cookie]);
      await p.goto(`${short.url}/`);
      expect(new URL(p.url()).pathname).toBe('/sign-in');
      expect(short.logs.filter((l) => l.audit === true).map((l) => l.action)).toEqual([
        'sign-in',
        'sign-in',
        'sign-out',
      ]);
    } finally {
      await ctx.close();
      await short.close();
    }
  });
});

describe('audit log', () => {
  it('logs every action with who, what and when, and no personal data or token', () => {
    const audits = app.logs.filter((l) => l.audit === true);
    const actions = new Set(audits.map((l) => l.action));
    for (const action of [
      'sign-in',
      'statement.authorise-payment',
      'statement.export-declarations',
      'api-token.create',
      'api-token.revoke',
      'participant.merge',
      'participant.update-identity',
      'outcome-delivery.retry',
      'outcome-delivery.retry-failed',
      'parked-message.redrive',
      'parked-message.discard',
    ]) {
      expect(actions).toContain(action);
    }
    for (const line of audits) {
      // A refused sign-in names no one (the token presented was not an operator's).
      if (line.action === 'sign-in' && line.outcome === 'refused') expect(line.operator).toBeNull();
      else expect(line.operator).toMatch(/^op_[0-9a-f]{16}$/);
      expect(typeof line.time).toBe('string');
      expect(line.target).toBeDefined();
    }
    const all = JSON.stringify(app.logs);
    expect(all).not.toContain(ADMIN_TOKEN);
    expect(all).not.toContain('@example.com');
    expect(all).not.toContain('Renamed Person');
    expect(all).not.toContain('Redrive');
  });
});
