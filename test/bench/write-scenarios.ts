import { spawn } from 'node:child_process';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { SEED_DELIVERY_PARTNERS } from '@npq/finance';
import { processCpuSeconds } from './cpu';
import { nowMs, type EventObserver, type LatencySummary } from './observer';
import type { ProcessGroup } from './processes';
import { difference, scrapeWaits, waitMeanMs, waitQuantileMs } from './ryw';
import type { WriteRequest, WriteResult, WriteSpec } from './writes';
import { INTAKE_DEFAULTS } from '../support/fixtures';

/** Runs one work list in a separate load-generator process (writes.ts) and returns its result. */
export function runWrites(group: ProcessGroup, spec: WriteSpec, cwd: string): Promise<WriteResult> {
  const child = group.track(
    spawn(process.execPath, [...process.execArgv, path.join(__dirname, 'writes.ts')], {
      cwd,
      stdio: ['pipe', 'pipe', 'pipe'],
      detached: true,
    }),
  );
  const stderr: Buffer[] = [];
  child.stderr!.on('data', (b: Buffer) => stderr.push(b));
  let result: WriteResult | undefined;
  createInterface({ input: child.stdout! }).on('line', (line) => {
    const message = JSON.parse(line) as { phase?: string } | WriteResult;
    if (!('phase' in message)) result = message as WriteResult;
  });
  child.stdin!.on('error', () => undefined);
  child.stdin!.end(JSON.stringify(spec));
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code, signal) => {
      if (code !== 0 || !result)
        reject(
          new Error(
            `write load generator exited with ${code ?? signal}\n${Buffer.concat(stderr).toString('utf8').trim()}`,
          ),
        );
      else resolve(result);
    });
  });
}

export interface WriteRow {
  step: string;
  label: string;
  route: string;
  via: 'gateway' | 'bare';
  connections: number;
  result: WriteResult;
  /** Read-your-writes wait of this step's commands (all services' histograms together). */
  wait?: { count: number; meanMs?: number; p50Ms?: number; p99Ms?: number };
  /** Mean share of a request's latency spent in the wait, and the wait's p99 over the request p99. */
  waitShareMean?: number;
  waitShareP99?: number;
  /** The step's own events: publish (seen on NATS) → applied, per consuming service. */
  events?: LatencySummary[];
  /** CPU milliseconds per request of each process of the system during the step (from /proc). */
  cpuMsPerRequest?: Record<string, number>;
}

export interface WriteContext {
  group: ProcessGroup;
  cwd: string;
  gateway: string;
  bare: string;
  providerToken: string;
  adminToken: string;
  leadProviderId: string;
  /** Where to scrape `read_your_writes_wait_seconds` (the three services) and the header they need. */
  serviceOrigins: string[];
  serviceHeaders: Record<string, string>;
  log: (line: string) => void;
  observer: EventObserver;
  /** Processes whose CPU per request each step reports (name → pid). */
  pids?: Record<string, number | undefined>;
  /** Distinguishes this run's people (emails and TRNs must be unique across runs on a kept database). */
  runTag: number;
}

const COURSE = 'npq-headship';
const PARTNER = SEED_DELIVERY_PARTNERS[0]!.id;
const at = (date: string) => ({ 'x-with-server-date': date });

let personCounter = 0;

function intakeRequest(ctx: WriteContext): WriteRequest {
  personCounter++;
  const n = ctx.runTag * 100_000 + personCounter;
  return {
    method: 'POST',
    path: '/admin/v1/npq-applications',
    headers: { authorization: `Bearer ${ctx.adminToken}` },
    body: {
      data: {
        type: 'npq_application',
        attributes: {
          lead_provider_id: ctx.leadProviderId,
          course_identifier: COURSE,
          cohort: '2025',
          cohort_suffix: 'a',
          full_name: `Bench Person ${n}`,
          email: `bench-${n}@example.com`,
          // Seeded people use 1000000 + n; these start at 9000000.
          teacher_reference_number: String(9_000_000 + (n % 999_999)),
          ...INTAKE_DEFAULTS,
        },
      },
    },
  };
}

const declaration = (
  participantId: string,
  type: string,
  date: string,
  serverDate: string,
): WriteRequest => ({
  method: 'POST',
  path: '/api/v3/participant-declarations',
  headers: at(serverDate),
  body: {
    data: {
      type: 'participant-declaration',
      attributes: {
        participant_id: participantId,
        declaration_type: type,
        declaration_date: date,
        course_identifier: COURSE,
        delivery_partner_id: PARTNER,
      },
    },
  },
});

const participantAction = (
  participantId: string,
  action: string,
  attributes: Record<string, unknown>,
  serverDate: string,
): WriteRequest => ({
  method: 'PUT',
  path: `/api/v3/participants/npq/${participantId}/${action}`,
  headers: at(serverDate),
  body: { data: { type: `participant-${action}`, attributes: { course_identifier: COURSE, ...attributes } } },
});

function ok(ids: (string | null)[] | undefined, what: string): string[] {
  const good = (ids ?? []).filter((x): x is string => x !== null);
  if (good.length === 0) throw new Error(`${what}: no request succeeded (see the samples above)`);
  return good;
}

/**
 * Every write scenario at one concurrency, each step acting on what the previous one created:
 * intake (admin) of 2n applications → accept all → started for n distinct participants → retained-1 for
 * the same n → void those retained-1 → defer the n → resume the n → change-schedule for the other n
 * (accepted, no declarations). Then the bare row + outbox route with n requests.
 */
export interface WriteLevel {
  connections: number;
  rows: WriteRow[];
  /** Every event the level's commands published: publish → applied, per consuming service. */
  events: LatencySummary[];
}

export async function writeScenarios(ctx: WriteContext, n: number, connections: number): Promise<WriteLevel> {
  const rows: WriteRow[] = [];
  const levelStart = nowMs();
  const step = async (
    name: string,
    label: string,
    route: string,
    via: 'gateway' | 'bare',
    requests: WriteRequest[],
    capture = false,
  ): Promise<WriteResult> => {
    const headers: Record<string, string> =
      via === 'gateway' ? { authorization: `Bearer ${ctx.providerToken}` } : {};
    const before = via === 'gateway' ? await scrapeWaits(ctx.serviceOrigins, ctx.serviceHeaders) : undefined;
    const cpuBefore = Object.entries(ctx.pids ?? {}).map(([n, pid]) => [n, processCpuSeconds(pid)] as const);
    const startedAt = nowMs();
    const result = await runWrites(
      ctx.group,
      { origin: via === 'gateway' ? ctx.gateway : ctx.bare, headers, requests, connections, capture },
      ctx.cwd,
    );
    const row: WriteRow = { step: name, label, route, via, connections, result };
    const sent = requests.length;
    if (sent > 0 && cpuBefore.length > 0) {
      row.cpuMsPerRequest = {};
      for (const [n, before] of cpuBefore) {
        const after = processCpuSeconds(ctx.pids?.[n]);
        if (before !== undefined && after !== undefined)
          row.cpuMsPerRequest[n] = ((after - before) * 1000) / sent;
      }
    }
    if (via === 'gateway') {
      // Every confirmation has arrived by the time the answer went out (read-your-writes), so the events
      // published during the step are complete now.
      const ids = ctx.observer.publishedSince(startedAt);
      row.events = ctx.observer.latencies(ids, (id) => ctx.observer.published.get(id));
    }
    if (before) {
      const waits = difference(await scrapeWaits(ctx.serviceOrigins, ctx.serviceHeaders), before);
      row.wait = {
        count: waits.count,
        meanMs: waitMeanMs(waits),
        p50Ms: waitQuantileMs(waits, 0.5),
        p99Ms: waitQuantileMs(waits, 0.99),
      };
      if (row.wait.meanMs !== undefined && result.mean > 0) row.waitShareMean = row.wait.meanMs / result.mean;
      if (row.wait.p99Ms !== undefined && result.p99 > 0) row.waitShareP99 = row.wait.p99Ms / result.p99;
    }
    rows.push(row);
    const flag =
      result.non2xx > 0 || result.errors > 0
        ? `  !! non-2xx ${result.non2xx}, errors ${result.errors} ${JSON.stringify(result.statusCodes)}\n    ${result.samples.join('\n    ')}`
        : '';
    ctx.log(
      `${label.padEnd(34)} ${via.padEnd(7)} c=${connections} ${result.requestsPerSecond.toFixed(0).padStart(5)} req/s  p50 ${result.p50.toFixed(1)} ms  p99 ${result.p99.toFixed(1)} ms${flag}`,
    );
    return result;
  };

  const intake = await step(
    'intake',
    'Admin intake (create application)',
    'POST /admin/v1/npq-applications',
    'gateway',
    Array.from({ length: 2 * n }, () => intakeRequest(ctx)),
    true,
  );
  const applicationIds = ok(intake.ids, 'intake');
  const accept = await step(
    'accept',
    'Accept application',
    'POST /api/v3/npq-applications/{id}/accept',
    'gateway',
    applicationIds.map((id) => ({
      method: 'POST',
      path: `/api/v3/npq-applications/${id}/accept`,
      headers: at('2025-09-01T00:00:00Z'),
      body: {
        data: {
          type: 'npq-application-accept',
          attributes: { funded_place: true, schedule_identifier: 'npq-leadership-autumn' },
        },
      },
    })),
    true,
  );
  ok(accept.ids, 'accept');
  // The participant id of an application is its person's id; the accept answer carries it.
  const participants = await participantIds(ctx, ok(accept.ids, 'accept'));
  const declaring = participants.slice(0, n);
  const rescheduling = participants.slice(n);

  await step(
    'declare_started',
    'Declaration started (distinct participants)',
    'POST /api/v3/participant-declarations',
    'gateway',
    declaring.map((p) => declaration(p, 'started', '2025-10-10T10:00:00Z', '2025-10-15T09:00:00Z')),
  );
  const retained = await step(
    'declare_retained_1',
    'Declaration retained-1',
    'POST /api/v3/participant-declarations',
    'gateway',
    declaring.map((p) => declaration(p, 'retained-1', '2025-12-31T23:59:59Z', '2026-01-01T00:59:59Z')),
    true,
  );
  await step(
    'void',
    'Void declaration (retained-1)',
    'PUT /api/v3/participant-declarations/{id}/void',
    'gateway',
    ok(retained.ids, 'retained-1').map((id) => ({
      method: 'PUT',
      path: `/api/v3/participant-declarations/${id}/void`,
      headers: at('2026-01-02T00:00:00Z'),
    })),
  );
  await step(
    'defer',
    'Defer participant',
    'PUT /api/v3/participants/npq/{id}/defer',
    'gateway',
    declaring.map((p) => participantAction(p, 'defer', { reason: 'other' }, '2026-01-03T00:00:00Z')),
  );
  await step(
    'resume',
    'Resume participant',
    'PUT /api/v3/participants/npq/{id}/resume',
    'gateway',
    declaring.map((p) => participantAction(p, 'resume', {}, '2026-01-04T00:00:00Z')),
  );
  await step(
    'change_schedule',
    'Change schedule (autumn → spring)',
    'PUT /api/v3/participants/npq/{id}/change-schedule',
    'gateway',
    rescheduling.map((p) =>
      participantAction(
        p,
        'change-schedule',
        { schedule_identifier: 'npq-leadership-spring' },
        '2025-09-20T00:00:00Z',
      ),
    ),
  );
  await step(
    'bare_write',
    'Bare: insert row + outbox row',
    'POST /write (bare Fastify + pg, one transaction)',
    'bare',
    declaring.map((p) => ({
      method: 'POST',
      path: '/write',
      body: {
        data: {
          attributes: {
            participant_id: p,
            lead_provider_id: ctx.leadProviderId,
            declaration_type: 'started',
            declaration_date: '2025-10-10T10:00:00Z',
            course_identifier: COURSE,
          },
        },
      },
    })),
  );
  const ids = ctx.observer.publishedSince(levelStart);
  return { connections, rows, events: ctx.observer.latencies(ids, (id) => ctx.observer.published.get(id)) };
}

/** participant_id of each accepted application, read back through the gateway's show route. */
async function participantIds(ctx: WriteContext, applicationIds: string[]): Promise<string[]> {
  const out: string[] = [];
  for (let i = 0; i < applicationIds.length; i += 20) {
    const batch = applicationIds.slice(i, i + 20);
    const found = await Promise.all(
      batch.map(async (id) => {
        const res = await fetch(`${ctx.gateway}/api/v3/npq-applications/${id}`, {
          headers: { authorization: `Bearer ${ctx.providerToken}` },
        });
        const body = (await res.json()) as { data?: { attributes?: { participant_id?: string } } };
        return body.data?.attributes?.participant_id;
      }),
    );
    for (const p of found) if (p) out.push(p);
  }
  return out;
}
