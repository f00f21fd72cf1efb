/**
 * The checks of infra/test-containers.sh, against the platform running in containers (infra/compose.yaml):
 * two gateways (every request alternates between them), two replicas of every service and worker.
 *
 *   1. A functional slice of the black-box suite, every response checked against the OpenAPI document
 *      (packages/test-kit's validator): tokens, intake, read, accept, the event flow to training,
 *      declarations, an outcome pushed to DQT, statements, refusals (401, 404, 422).
 *   2. Every worker replica serves /health/live, /health/ready and /metrics (WORKER_HTTP_PORT), and every
 *      service's /metrics has the outbox, consumer and parked-message gauges.
 *   2b. The two ops consoles (docs/console.md): probes and metrics on their ops port, sign-in with the admin
 *      token on one and the same session cookie served by the other (sessions in Redis), the overview read
 *      through their gateway, CSRF refusing a form without the token.
 *   3. Chaos: under steady write load (intake → accept → declaration, some with a passed completion whose
 *      outcome a worker pushes to DQT), one replica of each service, each worker and one gateway is killed
 *      (`podman kill`, SIGKILL) and started again, one after the other. Afterwards: every 2xx write is
 *      visible, no event was applied twice, no DQT push was made without an attempt on record, every
 *      outbox is drained and nothing is parked.
 *
 * Writes a JSON report ({ passed, failed, results }) to CHECK_REPORT; the shell script prints the total.
 * Run by infra/test-containers.sh with tsx; needs podman (for `podman exec`, `kill`, `start`).
 */
import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { promisify } from 'node:util';
import { LEAD_PROVIDERS } from '@npq/contracts';
import { SEED_DELIVERY_PARTNERS } from '@npq/finance';
import { ApiClient, type ApiResponse, type Inject } from '@npq/test-kit';
import { INTAKE_DEFAULTS } from '../support/fixtures';

const run = promisify(execFile);
const GATEWAYS = (process.env.NPQ_GATEWAYS ?? 'http://127.0.0.1:3100,http://127.0.0.1:3101').split(',');
const ADMIN_TOKEN = process.env.NPQ_ADMIN_TOKEN ?? '';
const DQT_URL = process.env.NPQ_DQT_URL ?? 'http://127.0.0.1:3199';
const CONSOLES = (process.env.NPQ_CONSOLES ?? 'http://127.0.0.1:3110,http://127.0.0.1:3111').split(',');
const REPORT = process.env.CHECK_REPORT ?? '/tmp/npq-containers-report.json';
const CHAOS_WORKERS = Number(process.env.CHAOS_CONCURRENCY ?? 4);
// Container names of infra/compose.yaml: npq_<service>_<n> for replicas, npq-<name> for the rest.
const replicas = (service: string) => [`npq_${service}_1`, `npq_${service}_2`];
const KILL_TARGETS = (
  process.env.CHAOS_TARGETS ??
  'npq_applications_1,npq_training_1,npq_finance_1,npq_applications-worker_1,npq_training-worker_1,npq_finance-worker_1,npq-gateway-a'
).split(',');
const WORKERS = ['applications', 'training', 'finance'].flatMap((s) => replicas(`${s}-worker`));
const SERVICES = ['applications', 'training', 'finance'].flatMap(replicas);

const [AMBITION] = LEAD_PROVIDERS;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const log = (msg: string) => process.stdout.write(`[check] ${msg}\n`);

// ---- HTTP through the gateways, alternating, with fail-over on a refused connection ---------------------
let turn = 0;
const inject: Inject = async (req) => {
  const first = turn++ % GATEWAYS.length;
  let lastError: unknown;
  for (let i = 0; i < GATEWAYS.length; i++) {
    const base = GATEWAYS[(first + i) % GATEWAYS.length]!;
    try {
      const res = await fetch(`${base}${req.url}`, {
        method: req.method,
        headers: req.headers,
        body: req.payload,
        signal: AbortSignal.timeout(30_000),
      });
      const headers: Record<string, string> = {};
      res.headers.forEach((v, k) => (headers[k] = v));
      return { statusCode: res.status, headers, body: await res.text() };
    } catch (err) {
      // A gateway that is down (killed in the chaos phase) refuses the connection: a load balancer would
      // send the request to the other one.
      lastError = err;
    }
  }
  throw lastError instanceof Error ? lastError : new Error(String(lastError));
};
const anonymous = new ApiClient(inject);
const admin = anonymous.withToken(ADMIN_TOKEN);

// ---- results -----------------------------------------------------------------------------------------------
const results: { name: string; ok: boolean; detail?: string }[] = [];
async function check(name: string, fn: () => Promise<string | void>): Promise<void> {
  try {
    const detail = await fn();
    results.push({ name, ok: true, ...(detail ? { detail } : {}) });
    log(`ok   ${name}${detail ? ` (${detail})` : ''}`);
  } catch (err) {
    const detail = err instanceof Error ? err.message : String(err);
    results.push({ name, ok: false, detail });
    log(`FAIL ${name}: ${detail.slice(0, 1500)}`);
  }
}
function expectStatus(res: ApiResponse, status: number, what: string): void {
  if (res.status !== status)
    throw new Error(`${what}: expected ${status}, got ${res.status} ${res.text.slice(0, 500)}`);
}
async function eventually<T>(what: string, fn: () => Promise<T | undefined>, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last = '';
  for (;;) {
    try {
      const v = await fn();
      if (v !== undefined) return v;
    } catch (err) {
      last = err instanceof Error ? err.message : String(err);
    }
    if (Date.now() > deadline)
      throw new Error(`${what}: not within ${timeoutMs} ms${last ? ` (${last})` : ''}`);
    await sleep(500);
  }
}

// ---- podman ---------------------------------------------------------------------------------------------
async function sql(query: string): Promise<string> {
  const { stdout } = await run('podman', [
    'exec',
    'npq-postgres',
    'psql',
    '-U',
    'postgres',
    '-d',
    'npq',
    '-tAc',
    query,
  ]);
  return stdout.trim();
}
async function fetchInside(
  name: string,
  port: string,
  path: string,
): Promise<{ status: number; body: string }> {
  const script = `fetch('http://127.0.0.1:${port}${path}').then(async r=>{process.stdout.write(JSON.stringify({status:r.status,body:await r.text()}))},e=>{process.stdout.write(JSON.stringify({status:0,body:String(e)}))})`;
  const { stdout } = await run('podman', ['exec', name, 'node', '-e', script]);
  return JSON.parse(stdout) as { status: number; body: string };
}
async function healthy(name: string, timeoutMs = 90_000): Promise<void> {
  await eventually(
    `${name} healthy`,
    async () => {
      await run('podman', ['healthcheck', 'run', name]);
      return true;
    },
    timeoutMs,
  );
}

// ---- the domain: fixtures as in test/support (fixtures.ts, finance.ts, dqt.ts) ---------------------------
let provider: ApiClient;
const serverDate = (iso: string) => ({ headers: { 'x-with-server-date': iso } });
const trns = new Set<string>();
function newTrn(): string {
  for (;;) {
    const trn = String(5_000_000 + Math.floor(Math.random() * 4_999_999));
    if (!trns.has(trn)) {
      trns.add(trn);
      return trn;
    }
  }
}
function intakeBody(overrides: Record<string, unknown> = {}) {
  const n = randomUUID().slice(0, 8);
  return {
    data: {
      type: 'npq_application',
      attributes: {
        lead_provider_id: AMBITION.id,
        course_identifier: 'npq-headship',
        cohort: '2025',
        cohort_suffix: 'a',
        full_name: `Container Person ${n}`,
        email: `container-${n}@example.com`,
        teacher_reference_number: newTrn(),
        ...INTAKE_DEFAULTS,
        ...overrides,
      },
    },
  };
}
/** A seeded delivery partner partnered with every provider in every cohort (test/support/finance.ts). */
const EVERYWHERE_PARTNER = SEED_DELIVERY_PARTNERS[0]!.id;
function declarationBody(
  participantId: string,
  course: string,
  type: string,
  date: string,
  passed?: boolean,
) {
  return {
    data: {
      type: 'participant-declaration',
      attributes: {
        participant_id: participantId,
        declaration_type: type,
        declaration_date: date,
        course_identifier: course,
        delivery_partner_id: EVERYWHERE_PARTNER,
        ...(passed === undefined ? {} : { has_passed: passed }),
      },
    },
  };
}
const plusHour = (iso: string) =>
  new Date(Date.parse(iso) + 3_600_000).toISOString().replace(/\.\d{3}Z$/, 'Z');

// ---- 1. functional slice ------------------------------------------------------------------------------------
async function functional(): Promise<void> {
  await check('both gateways answer /health/live', async () => {
    for (const g of GATEWAYS) {
      const res = await fetch(`${g}/health/live`);
      if (res.status !== 200) throw new Error(`${g}: ${res.status}`);
    }
  });
  await check('OpenAPI document served', async () => {
    const res = await anonymous.get('/api/docs/v3/swagger.yaml', { validate: false });
    expectStatus(res, 200, 'GET /api/docs/v3/swagger.yaml');
  });
  await check('admin creates a lead provider API token', async () => {
    const res = await admin.post(`/admin/v1/lead-providers/${AMBITION.id}/api-tokens`);
    expectStatus(res, 201, 'POST api-tokens');
    provider = anonymous.withToken(res.body.data.attributes.token as string);
  });
  await check('no token: 401 in the documented envelope', async () => {
    expectStatus(await anonymous.get('/api/v3/npq-applications'), 401, 'GET without token');
  });
  await check('unknown application: 404', async () => {
    expectStatus(await provider.get(`/api/v3/npq-applications/${randomUUID()}`), 404, 'GET unknown');
  });
  await check('invalid intake: 422/400 with errors', async () => {
    const res = await admin.post(
      '/admin/v1/npq-applications',
      intakeBody({ course_identifier: 'npq-nonsense' }),
    );
    if (res.status !== 422 && res.status !== 400) throw new Error(`expected 422/400, got ${res.status}`);
  });
  let app: any;
  await check('intake creates an application; both gateways read it', async () => {
    const res = await admin.post('/admin/v1/npq-applications', intakeBody(), {
      headers: { 'idempotency-key': randomUUID() },
    });
    expectStatus(res, 201, 'intake');
    app = res.body.data;
    for (let i = 0; i < GATEWAYS.length; i++) {
      expectStatus(await provider.get(`/api/v3/npq-applications/${app.id}`), 200, 'read');
    }
    expectStatus(await provider.get('/api/v3/npq-applications?page[per_page]=5'), 200, 'list');
  });
  await check('accept; the participant reaches training through NATS', async () => {
    const res = await provider.post(
      `/api/v3/npq-applications/${app.id}/accept`,
      { data: { type: 'npq-application-accept', attributes: { funded_place: true } } },
      serverDate('2025-09-15T10:00:00Z'),
    );
    expectStatus(res, 200, 'accept');
    await eventually('participant visible', async () => {
      const p = await provider.get(`/api/v3/participants/npq/${app.attributes.participant_id}`);
      return p.status === 200 ? p : undefined;
    });
  });
  await check('a started declaration; read back', async () => {
    const res = await provider.post(
      '/api/v3/participant-declarations',
      declarationBody(app.attributes.participant_id, 'npq-headship', 'started', '2025-10-10T10:00:00Z'),
      serverDate('2025-10-15T09:00:00Z'),
    );
    expectStatus(res, 200, 'declare');
    expectStatus(await provider.get(`/api/v3/participant-declarations/${res.body.data.id}`), 200, 'read');
  });
  await check('a passed completion: the outcome is pushed to DQT by a worker, once', async () => {
    const flow = await passedOutcomeFlow();
    if (!flow.completed) throw new Error(`flow stopped: ${flow.error}`);
    const pushes = await eventually(
      'DQT push',
      async () => {
        const n = (await dqtRequests()).filter((r) => r.trn === flow.trn).length;
        return n > 0 ? n : undefined;
      },
      60_000,
    );
    if (pushes !== 1) throw new Error(`${pushes} pushes`);
  });
  await check('statements list', async () => {
    expectStatus(await provider.get('/api/v3/statements'), 200, 'statements');
  });
}

// ---- 2. probes and metrics -----------------------------------------------------------------------------------
async function probes(): Promise<void> {
  for (const w of WORKERS) {
    await check(`worker ${w}: /health/live, /health/ready, /metrics on WORKER_HTTP_PORT`, async () => {
      for (const path of ['/health/live', '/health/ready']) {
        const r = await fetchInside(w, '9465', path);
        if (r.status !== 200) throw new Error(`${path}: ${r.status} ${r.body.slice(0, 300)}`);
      }
      const m = await fetchInside(w, '9465', '/metrics');
      for (const name of [
        'process_cpu_seconds_total',
        'bullmq_queue_jobs',
        'bullmq_oldest_waiting_job_age_seconds',
      ]) {
        if (!m.body.includes(name)) throw new Error(`/metrics has no ${name}`);
      }
    });
  }
  const port: Record<string, string> = { applications: '3001', training: '3002', finance: '3003' };
  for (const s of SERVICES) {
    await check(`service ${s}: outbox, consumer-lag and parked gauges on /metrics`, async () => {
      const m = await fetchInside(s, port[s.replace(/^npq_|_\d$/g, '')]!, '/metrics');
      for (const name of [
        'outbox_unpublished_events',
        'outbox_oldest_unpublished_age_seconds',
        'event_consumer_lag_messages',
        'parked_messages',
      ]) {
        if (!new RegExp(`^${name}(\\{| )`, 'm').test(m.body)) throw new Error(`/metrics has no ${name}`);
      }
    });
  }
}

// ---- 3. chaos -------------------------------------------------------------------------------------------------
interface Flow {
  applicationId?: string;
  participantId?: string;
  accepted?: boolean;
  declarationIds: string[];
  trn: string;
  withOutcome: boolean;
  completed: boolean;
  error?: string;
}
const flows: Flow[] = [];

/**
 * Retries a request while the platform is failing over: a network error, or a 5xx (documented or not: a
 * gateway whose upstream replica was just killed answers 502/503). Any other answer returns, and a contract
 * violation on a non-5xx answer fails the flow.
 */
let failovers = 0;
async function retrying(fn: () => Promise<ApiResponse>): Promise<ApiResponse> {
  let last: ApiResponse | undefined;
  for (let i = 0; i < 8; i++) {
    try {
      last = await fn();
      if (last.status < 500) return last;
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      if (message.includes('OpenAPI') && !/→ 5\d\d/.test(message)) throw err;
    }
    failovers++;
    await sleep(500 * (i + 1));
  }
  if (last) return last;
  throw new Error('no answer from either gateway');
}

async function runFlow(withOutcome: boolean): Promise<Flow> {
  const trn = newTrn();
  const flow: Flow = { trn, withOutcome, declarationIds: [], completed: false };
  flows.push(flow);
  const course = withOutcome ? 'npq-senior-leadership' : 'npq-headship';
  // Intake with an Idempotency-Key, so a retry after a lost answer never makes a second application.
  const key = randomUUID();
  const intake = await retrying(() =>
    admin.post(
      '/admin/v1/npq-applications',
      intakeBody({ teacher_reference_number: trn, course_identifier: course }),
      { headers: { 'idempotency-key': key } },
    ),
  );
  if (intake.status !== 201) return { ...flow, error: `intake ${intake.status}` };
  flow.applicationId = intake.body.data.id;
  flow.participantId = intake.body.data.attributes.participant_id;
  const acceptedAt = withOutcome ? '2025-09-01T00:00:00Z' : '2025-09-15T10:00:00Z';
  const accept = await retrying(() =>
    provider.post(
      `/api/v3/npq-applications/${flow.applicationId}/accept`,
      { data: { type: 'npq-application-accept', attributes: { funded_place: true } } },
      serverDate(acceptedAt),
    ),
  );
  if (accept.status !== 200)
    return Object.assign(flow, { error: `accept ${accept.status} ${accept.text.slice(0, 200)}` });
  flow.accepted = true;
  const date = withOutcome ? '2026-06-01T12:00:00Z' : '2025-10-10T10:00:00Z';
  const declare = await retrying(() =>
    provider.post(
      '/api/v3/participant-declarations',
      declarationBody(
        flow.participantId!,
        course,
        withOutcome ? 'completed' : 'started',
        date,
        withOutcome || undefined,
      ),
      serverDate(plusHour(date)),
    ),
  );
  if (declare.status !== 200)
    return Object.assign(flow, { error: `declare ${declare.status} ${declare.text.slice(0, 200)}` });
  flow.declarationIds.push(declare.body.data.id);
  flow.completed = true;
  return flow;
}
const passedOutcomeFlow = () => runFlow(true);

async function dqtRequests(): Promise<{ trn: string; method: string }[]> {
  const res = await fetch(`${DQT_URL}/__requests`);
  return (await res.json()) as { trn: string; method: string }[];
}

async function chaos(): Promise<void> {
  const loadStart = Date.now();
  let stop = false;
  let n = 0;
  const load = Array.from({ length: CHAOS_WORKERS }, async () => {
    while (!stop) {
      try {
        await runFlow(n++ % 3 === 0);
      } catch (err) {
        log(`flow error: ${String(err).slice(0, 300)}`);
      }
    }
  });
  await sleep(3000);
  await check(
    `kill and restart one replica of each of ${KILL_TARGETS.length} components under load`,
    async () => {
      const took: string[] = [];
      for (const target of KILL_TARGETS) {
        const t0 = Date.now();
        await run('podman', ['kill', target]);
        await sleep(2000);
        await run('podman', ['start', target]);
        await healthy(target);
        took.push(`${target} ${((Date.now() - t0) / 1000).toFixed(0)}s`);
        await sleep(1500);
      }
      return took.join(', ');
    },
  );
  await sleep(3000);
  stop = true;
  await Promise.all(load);
  const done = flows.filter((f) => f.completed).length;
  const seconds = (Date.now() - loadStart) / 1000;
  log(
    `load: ${flows.length} flows in ${seconds.toFixed(0)} s (${(done / seconds).toFixed(1)} completed flows/s, 3 writes each), ` +
      `${flows.filter((f) => f.error).length} stopped on a refusal, ${failovers} retries after a 5xx or a lost connection`,
  );
  for (const e of [...new Set(flows.flatMap((f) => (f.error ? [f.error] : [])))].slice(0, 5)) {
    log(`  a flow stopped on: ${e}`);
  }
  await check('steady write load made progress', async () => {
    if (done < 10) throw new Error(`only ${done} completed flows`);
    return `${done} flows with every write 2xx, ${flows.filter((f) => f.withOutcome && f.completed).length} with an outcome`;
  });

  await check(
    'no 2xx write lost: every accepted application, participant and declaration is visible',
    async () => {
      let checked = 0;
      for (const f of flows) {
        if (!f.applicationId) continue;
        const app = await retrying(() => provider.get(`/api/v3/npq-applications/${f.applicationId}`));
        expectStatus(app, 200, `application ${f.applicationId}`);
        if (f.accepted && app.body.data.attributes.status !== 'accepted') {
          throw new Error(
            `application ${f.applicationId} accepted with a 200 but is ${app.body.data.attributes.status}`,
          );
        }
        if (f.accepted) {
          await eventually(`participant ${f.participantId} in training`, async () => {
            const p = await provider.get(`/api/v3/participants/npq/${f.participantId}`);
            return p.status === 200 ? true : undefined;
          });
        }
        for (const id of f.declarationIds) {
          expectStatus(
            await retrying(() => provider.get(`/api/v3/participant-declarations/${id}`)),
            200,
            `declaration ${id}`,
          );
        }
        checked++;
      }
      return `${checked} applications`;
    },
  );

  const acceptedIds = flows.filter((f) => f.accepted).map((f) => `'${f.applicationId}'`);
  await check(
    'no event applied twice (one enrolment and one opening state per accepted application)',
    async () => {
      if (acceptedIds.length === 0) throw new Error('nothing accepted');
      const list = acceptedIds.join(',');
      const enrolments = Number(await sql(`select count(*) from training.enrolments where id in (${list})`));
      const dupStates = Number(
        await sql(
          `select count(*) from (select application_id, state from training.application_states where application_id in (${list}) group by 1, 2 having count(*) > 1) d`,
        ),
      );
      if (enrolments !== acceptedIds.length)
        throw new Error(`${enrolments} enrolments for ${acceptedIds.length} accepted`);
      if (dupStates !== 0) throw new Error(`${dupStates} applications with a state applied twice`);
      return `${enrolments} enrolments`;
    },
  );

  await check('no job run twice: every outcome pushed to DQT, each push an attempt on record', async () => {
    const withOutcome = flows.filter((f) => f.withOutcome && f.completed);
    const trnList = withOutcome.map((f) => `'${f.trn}'`).join(',');
    if (!trnList) throw new Error('no outcome was made');
    await eventually(
      'every delivery sent',
      async () =>
        Number(
          await sql(
            `select count(*) from training.outcome_deliveries where trn in (${trnList}) and state <> 'sent'`,
          ),
        ) === 0
          ? true
          : undefined,
      150_000,
    );
    const requests = await dqtRequests();
    // An answered attempt is exactly one request DQT received. An interrupted one (its worker was killed
    // after committing the attempt as in flight) may have died before or after its request left, so it
    // accounts for zero or one (docs/operations.md, "Guarantees"): answered <= pushes <= answered + interrupted.
    const attempts = new Map<string, { answered: number; interrupted: number }>();
    for (const line of (
      await sql(
        `select d.trn, count(a.*) filter (where a.outcome <> 'interrupted'), count(a.*) filter (where a.outcome = 'interrupted') from training.outcome_deliveries d left join training.outcome_delivery_attempts a on a.delivery_id = d.id where d.trn in (${trnList}) group by d.trn`,
      )
    ).split('\n')) {
      const [trn, answered, interrupted] = line.split('|');
      if (trn) attempts.set(trn, { answered: Number(answered), interrupted: Number(interrupted) });
    }
    let repeated = 0;
    for (const f of withOutcome) {
      const pushes = requests.filter((r) => r.trn === f.trn).length;
      if (pushes === 0) throw new Error(`outcome of TRN ${f.trn} never pushed`);
      const { answered, interrupted } = attempts.get(f.trn) ?? { answered: 0, interrupted: 0 };
      if (pushes < answered || pushes > answered + interrupted) {
        throw new Error(
          `TRN ${f.trn}: ${pushes} pushes but ${answered} answered and ${interrupted} interrupted attempts on record`,
        );
      }
      if (pushes > 1) repeated++;
    }
    return `${withOutcome.length} outcomes; ${repeated} re-sent after an interrupted attempt (on record)`;
  });

  await check('every outbox drained', async () => {
    const q = ['applications', 'training', 'finance', 'gateway']
      .map((s) => `select count(*) from ${s}.outbox where published_at is null`)
      .filter((_, i) => i < 3)
      .join(' union all ');
    await eventually(
      'outboxes empty',
      async () => ((await sql(`select sum(count) from (${q}) t`)) === '0' ? true : undefined),
      60_000,
    );
  });
  await check('no parked messages', async () => {
    const q = ['applications', 'training', 'finance']
      .map((s) => `select count(*) from ${s}.parked_messages`)
      .join(' union all ');
    const parked = await sql(`select sum(count) from (${q}) t`);
    if (parked !== '0') throw new Error(`${parked} parked`);
  });
}

/** One sample of a Prometheus text exposition (the first line whose name and labels start as given). */
function sample(metrics: string, prefix: string): number | undefined {
  const line = metrics.split('\n').find((l) => l.startsWith(prefix));
  return line === undefined ? undefined : Number(line.slice(line.lastIndexOf(' ') + 1));
}

async function gaugesAfterLoad(): Promise<void> {
  await check('gauges agree after the load: outbox 0, lag 0, parked 0; DQT jobs counted', async () => {
    const port: Record<string, string> = { applications: '3001', training: '3002', finance: '3003' };
    for (const s of SERVICES) {
      const name = s.replace(/^npq_|_\d$/g, '');
      await eventually(
        `${s} gauges at 0`,
        async () => {
          const m = (await fetchInside(s, port[name]!, '/metrics')).body;
          const values = [
            sample(m, 'outbox_unpublished_events '),
            sample(m, 'parked_messages '),
            sample(m, `event_consumer_lag_messages{consumer="${name}"}`),
          ];
          return values.every((v) => v === 0) ? true : undefined;
        },
        30_000,
      );
    }
    let pushed = 0;
    for (const w of replicas('training-worker')) {
      const m = (await fetchInside(w, '9465', '/metrics')).body;
      pushed += sample(m, 'bullmq_jobs_total{queue="training-dqt-push",result="completed"}') ?? 0;
    }
    if (pushed === 0) throw new Error('no completed DQT push job counted by either training worker');
    return `${pushed} DQT push jobs counted as completed by the running training workers`;
  });
}

// ---- 2b. the ops consoles ------------------------------------------------------------------------------------
/** The form's hidden CSRF field of an HTML page. */
function csrfField(html: string): string {
  const m = /name="_csrf" value="([^"]+)"/.exec(html);
  if (!m) throw new Error('no _csrf field on the page');
  return m[1]!;
}
function cookieOf(res: Response, name: string): string {
  const cookie = res.headers.getSetCookie().find((c) => c.startsWith(`${name}=`));
  if (!cookie) throw new Error(`no ${name} cookie (set: ${res.headers.getSetCookie().join(' | ')})`);
  return cookie.split(';')[0]!;
}

async function consoles(): Promise<void> {
  for (const name of ['npq-console-a', 'npq-console-b']) {
    await check(`${name}: /health/live, /health/ready, /metrics on its ops port (9465)`, async () => {
      for (const path of ['/health/live', '/health/ready']) {
        const r = await fetchInside(name, '9465', path);
        if (r.status !== 200) throw new Error(`${path}: ${r.status} ${r.body.slice(0, 300)}`);
      }
      const m = await fetchInside(name, '9465', '/metrics');
      if (!m.body.includes('http_request_duration_seconds'))
        throw new Error('/metrics has no request histogram');
      const open = await fetchInside(name, '3100', '/metrics');
      if (open.status !== 404) throw new Error(`/metrics on the public port: ${open.status}`);
    });
  }
  await check(
    'console: sign in on one replica, the session works on the other; CSRF refuses a bare form',
    async () => {
      const [a, b] = CONSOLES as [string, string];
      // NODE_ENV=test: cookies are Secure with the __Host- prefix (the browser rule; fetch sends them as given).
      const form = await fetch(`${a}/sign-in`);
      const signInCookie = cookieOf(form, '__Host-npq-console-sign-in');
      const signedIn = await fetch(`${a}/sign-in`, {
        method: 'POST',
        redirect: 'manual',
        headers: { 'content-type': 'application/x-www-form-urlencoded', cookie: signInCookie },
        body: new URLSearchParams({ _csrf: csrfField(await form.text()), token: ADMIN_TOKEN, next: '/' }),
      });
      if (signedIn.status !== 303)
        throw new Error(`sign-in: ${signedIn.status} ${(await signedIn.text()).slice(0, 300)}`);
      const session = cookieOf(signedIn, '__Host-npq-console-session');
      if (
        !/HttpOnly/i.test(signedIn.headers.getSetCookie().join(';')) ||
        !/SameSite=Strict/i.test(signedIn.headers.getSetCookie().join(';'))
      )
        throw new Error('the session cookie is not HttpOnly and SameSite=Strict');
      const overview = await fetch(`${b}/`, { headers: { cookie: session }, redirect: 'manual' });
      const html = await overview.text();
      if (overview.status !== 200 || !html.includes('Services and workers'))
        throw new Error(`overview on the other replica: ${overview.status} ${html.slice(0, 300)}`);
      const bare = await fetch(`${b}/lead-providers/${AMBITION.id}/api-tokens`, {
        method: 'POST',
        redirect: 'manual',
        headers: { 'content-type': 'application/x-www-form-urlencoded', cookie: session },
        body: '',
      });
      if (bare.status !== 403) throw new Error(`a form without the CSRF token: ${bare.status}`);
      return 'signed in on console-a, overview from console-b';
    },
  );
}

async function main(): Promise<void> {
  const t0 = Date.now();
  await functional();
  if (provider) {
    await probes();
    await consoles();
    await chaos();
    await gaugesAfterLoad();
  }
  const passed = results.filter((r) => r.ok).length;
  const failed = results.length - passed;
  writeFileSync(
    REPORT,
    JSON.stringify({ passed, failed, seconds: (Date.now() - t0) / 1000, results }, null, 2),
  );
  log(`${passed} passed, ${failed} failed (${((Date.now() - t0) / 1000).toFixed(0)} s)`);
}

main().catch((err: unknown) => {
  process.stderr.write(`check crashed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  writeFileSync(
    REPORT,
    JSON.stringify({
      passed: 0,
      failed: 1,
      results: [{ name: 'check crashed', ok: false, detail: String(err) }],
    }),
  );
  process.exit(1);
});
