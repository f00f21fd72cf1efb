import fc from 'fast-check';
import { LEAD_PROVIDERS } from '@npq/contracts';
import { startSystem, type System } from '../support/system';
import { AMBITION, createAcceptedApplication, createApplication } from '../support/fixtures';
import { acceptedParticipant, declareFor } from '../support/finance';
import { HttpSender, type FuzzResponse } from './http-sender';
import { loadOperations } from './openapi-operations';
import { fuzzRequest, type FuzzContext, type FuzzRequest, type IdPools } from './request-generators';

/** An `error`-level (or worse) log line of any process, as pino wrote it. */
export interface ServerLogLine {
  service: string;
  msg: string;
  /** `err.type: err.message` when the line carries an error. */
  error: string | undefined;
  /** The first stack frame inside the repository, to tell apart errors with the same message. */
  where: string | undefined;
}

export interface FuzzOutcome {
  request: FuzzRequest;
  response: FuzzResponse;
  /** Errors the processes logged while handling this request (matched on the request id). */
  serverErrors: ServerLogLine[];
}

export const DEFAULT_SEED = 20_261_201;

/**
 * `FUZZ_RUNS`, `FUZZ_SEED` (an integer, or `random` for a fresh one) and `FUZZ_PATH` from the environment:
 * a failure prints its seed and path, and setting both replays exactly that request, then shrinks it again.
 */
export function fuzzSettings(defaultRuns: number): { runs: number; seed: number; path: string | undefined } {
  const int = (name: string, fallback: number) => {
    const raw = process.env[name];
    if (raw === undefined || raw === '') return fallback;
    const value = Number(raw);
    if (!Number.isInteger(value)) throw new Error(`${name} must be an integer, got ${raw}`);
    return value;
  };
  const seed = process.env.FUZZ_SEED === 'random' ? Date.now() % 2 ** 31 : int('FUZZ_SEED', DEFAULT_SEED);
  return { runs: int('FUZZ_RUNS', defaultRuns), seed, path: process.env.FUZZ_PATH || undefined };
}

// ---------------------------------------------------------------------------------------------------------
// The two properties
// ---------------------------------------------------------------------------------------------------------

/** Property 1: the server answers every request, and never with a 5xx. Returns what is wrong, if anything. */
export function serverErrorProblem(o: FuzzOutcome): string | undefined {
  if (o.response.status === 0) return `no response: ${o.response.failure ?? 'connection closed'}`;
  if (o.response.status >= 500) return `status ${o.response.status}`;
  return undefined;
}

const isString = (v: unknown): v is string => typeof v === 'string';

/**
 * Property 2: every error answer is in one of DfE's two envelopes, `{"error": "..."}` or
 * `{"errors": [{"title": "...", "detail": "..."}]}` (items may carry more, like the 410's
 * `participant_id_changes`), as `application/json`; a 429 is rack-attack's text/plain `Retry later`.
 * HEAD answers have no body by definition, and a missing answer is property 1's business. The problem is
 * described without the body's varying parts, so it also names the class of the defect.
 */
export function envelopeProblem(o: FuzzOutcome): string | undefined {
  const { status, headers, body } = o.response;
  if (status === 0 || status < 400 || o.request.method === 'HEAD') return undefined;
  const type = headers['content-type'];
  if (status === 429) {
    return type?.startsWith('text/plain') && body === 'Retry later\n'
      ? undefined
      : `429 is not text/plain "Retry later" (content-type ${type ?? 'none'})`;
  }
  if (type !== 'application/json') return `content-type ${type ?? 'none'}, not application/json`;
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    return body === '' ? 'empty body' : 'body is not JSON';
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed))
    return 'body is not a JSON object';
  const record = parsed as Record<string, unknown>;
  const keys = Object.keys(record);
  if (keys.length === 1 && isString(record.error)) return undefined;
  if (keys.length === 1 && Array.isArray(record.errors) && record.errors.length > 0) {
    const bad = record.errors.find((e) => {
      const item = (typeof e === 'object' && e !== null ? e : {}) as Record<string, unknown>;
      return !isString(item.title) || !isString(item.detail);
    });
    return bad === undefined ? undefined : `an "errors" item is not {title, detail}`;
  }
  // Fastify's and Node's own error bodies carry a `code` (FST_ERR_...) naming where they come from.
  const code = isString(record.code) ? ` (code ${record.code})` : '';
  return `keys ${JSON.stringify(keys)}${code}, neither {"error"} nor {"errors": [...]}`;
}

// ---------------------------------------------------------------------------------------------------------
// Reproducers
// ---------------------------------------------------------------------------------------------------------

/** Long values shortened in the middle, so a reproducer stays readable (the length is kept). */
export function elide(s: string, max = 240): string {
  if (s.length <= max) return s;
  return `${s.slice(0, max - 80)}…[${s.length} chars]…${s.slice(-40)}`;
}

/** JSON-quoted, so NULs, CR/LF and other invisible characters show. */
const show = (s: string, max?: number) => JSON.stringify(elide(s, max));

/** Tokens are per run (the teacher-record one is random): shown as placeholders. */
function redactTokens(s: string, ctx: FuzzContext | undefined): string {
  if (!ctx) return s;
  let out = s;
  ctx.tokens.providers.forEach((t, i) => (out = out.split(t).join(`<provider-token-${i}>`)));
  out = out.split(ctx.tokens.teacherRecord).join('<teacher-record-token>');
  return out.split(ctx.tokens.admin).join('<admin-token>');
}

/** Method, URL, headers and body of a request, exactly enough to send it again. */
export function describeRequest(req: FuzzRequest, ctx?: FuzzContext): string {
  if (req.raw !== undefined) {
    return redactTokens(`raw socket bytes (UTF-8): ${show(req.raw, 600)}  [${req.tags.join(' ')}]`, ctx);
  }
  const lines = [`${req.method} ${show(req.target, 400)}`];
  for (const [name, value] of req.headers) lines.push(`  ${name}: ${show(value)}`);
  if (req.body !== undefined) lines.push(`  body (${req.body.length} chars): ${show(req.body, 600)}`);
  lines.push(`  [${req.tags.join(' ')}]`);
  return redactTokens(lines.join('\n'), ctx);
}

export function describeOutcome(o: FuzzOutcome, ctx?: FuzzContext): string {
  const { status, body, failure } = o.response;
  const lines = [
    describeRequest(o.request, ctx),
    `→ ${status === 0 ? `no response (${failure})` : `${status} ${o.response.headers['content-type'] ?? '(no content-type)'} ${show(body, 300)}`}`,
  ];
  for (const e of o.serverErrors)
    lines.push(
      `  server log (${e.service}): ${e.msg}${e.error ? ` — ${e.error}` : ''}${e.where ? ` at ${e.where}` : ''}`,
    );
  return lines.join('\n');
}

// ---------------------------------------------------------------------------------------------------------
// The system under fuzz
// ---------------------------------------------------------------------------------------------------------

function firstRepoFrame(stack: unknown): string | undefined {
  if (typeof stack !== 'string') return undefined;
  const frame = stack
    .split('\n')
    .map((l) => l.trim())
    .find((l) => l.startsWith('at ') && /\/(services|packages)\//.test(l) && !l.includes('node_modules'));
  return frame?.replace(/^at /, '').replace(/^.*\/((services|packages)\/)/, '$1');
}

/**
 * The whole platform with its gateway on a real port, some real data, and tokens of every scope; sends
 * generated requests and ties each answer to the errors the processes logged for it.
 */
export class FuzzHarness {
  /** Errors logged outside any request (event consumers, relays, workers), in order. */
  readonly backgroundErrors: ServerLogLine[] = [];
  private readonly errorsByRequest = new Map<string, ServerLogLine[]>();
  private system!: System;
  private sender!: HttpSender;
  context!: FuzzContext;

  /** Every generated request, printed as its reproducer when fast-check reports it. */
  arbitrary(): fc.Arbitrary<FuzzRequest> {
    return fuzzRequest(this.context).map((req) =>
      Object.assign(req, { [fc.toStringMethod]: () => `\n${describeRequest(req, this.context)}\n` }),
    );
  }

  static async start(): Promise<FuzzHarness> {
    const harness = new FuzzHarness();
    const level = process.env.TEST_LOG_LEVEL || undefined;
    harness.system = await startSystem({
      listen: true,
      financeWorker: true,
      // Every operation of the document is fuzzed, the webhook subscriptions too (docs/webhooks.md).
      webhooks: true,
      // Errors only (every defect is logged at error), unless the developer asked for more.
      config: { LOG_LEVEL: level ?? 'error' },
      logSink: (line) => {
        if (level) process.stderr.write(line);
        harness.record(line);
      },
    });
    harness.sender = new HttpSender(harness.system.gatewayUrl!);
    harness.context = await seed(harness.system);
    return harness;
  }

  private record(line: string): void {
    let entry: Record<string, any>;
    try {
      entry = JSON.parse(line);
    } catch {
      return;
    }
    if (typeof entry.level !== 'number' || entry.level < 50) return;
    const err = entry.err as { type?: string; message?: string; stack?: string } | undefined;
    const logged: ServerLogLine = {
      service: String(entry.service ?? '?'),
      msg: String(entry.msg ?? ''),
      error: err ? `${err.type ?? 'Error'}: ${err.message ?? ''}` : undefined,
      where: firstRepoFrame(err?.stack),
    };
    const reqId = typeof entry.reqId === 'string' ? entry.reqId : undefined;
    if (reqId === undefined) {
      this.backgroundErrors.push(logged);
      return;
    }
    const list = this.errorsByRequest.get(reqId) ?? [];
    list.push(logged);
    this.errorsByRequest.set(reqId, list);
  }

  async send(request: FuzzRequest): Promise<FuzzOutcome> {
    const response = await this.sender.send(request);
    const reqId = response.headers['x-request-id'];
    const serverErrors = reqId === undefined ? [] : (this.errorsByRequest.get(reqId) ?? []);
    if (reqId !== undefined) this.errorsByRequest.delete(reqId);
    return { request: request, response, serverErrors };
  }

  /** `/health/ready` of the gateway and of every service: name → status. */
  async readiness(): Promise<Record<string, number>> {
    const targets: Record<string, string> = { gateway: this.system.gatewayUrl! };
    for (const [name, s] of Object.entries(this.system.services)) targets[name] = s.url;
    const out: Record<string, number> = {};
    for (const [name, url] of Object.entries(targets)) {
      const res = await fetch(`${url}/health/ready`).catch(() => undefined);
      out[name] = res?.status ?? 0;
    }
    return out;
  }

  async close(): Promise<void> {
    this.sender?.close();
    await this.system?.close();
  }
}

// ---------------------------------------------------------------------------------------------------------
// Seed data
// ---------------------------------------------------------------------------------------------------------

async function must<T>(what: string, p: Promise<{ status: number; body: T; text: string }>, status: number) {
  const res = await p;
  if (res.status !== status) throw new Error(`seeding: ${what} answered ${res.status}: ${res.text}`);
  return res.body;
}

/**
 * Real resources of every kind (applications pending, accepted and rejected; declarations; an outcome;
 * statements; delivery partners; spare API tokens), so that generated ids sometimes hit real rows and
 * generated bodies reach the code past the 404s.
 */
async function seed(system: System): Promise<FuzzContext> {
  const admin = system.admin;
  const trs = await must<any>('TRS token', admin.post('/admin/v1/teacher-record-service/api-tokens'), 201);
  // Spare tokens the fuzzer may revoke through DELETE /admin/v1/api-tokens/{id}; it never uses them.
  const spare: string[] = [];
  for (const lp of LEAD_PROVIDERS.slice(0, 2).map((p) => p.id)) {
    const t = await must<any>('token', admin.post(`/admin/v1/lead-providers/${lp}/api-tokens`), 201);
    spare.push(t.data.id);
  }
  // Most data belongs to Ambition, whose token most generated provider requests carry (see tokenFor), so
  // that real ids are mostly visible to the caller; the other providers' data makes cross-provider 404s.
  const apps = [];
  const providers = LEAD_PROVIDERS.slice(0, 3);
  for (const lp of providers) {
    const mine = lp.id === AMBITION.id;
    for (let i = 0; i < (mine ? 2 : 1); i++)
      apps.push(await createApplication(admin, { lead_provider_id: lp.id }));
    const rejected = await createApplication(admin, { lead_provider_id: lp.id });
    await must('reject', system.provider(lp.id).post(`/api/v3/npq-applications/${rejected.id}/reject`), 200);
    apps.push(rejected);
    for (let i = 0; i < (mine ? 2 : 1); i++)
      apps.push(
        await createAcceptedApplication(system, { lead_provider_id: lp.id }, { at: '2025-09-15T10:00:00Z' }),
      );
  }
  // Declarations: a started one, and a completed one with a passed outcome (and so a DQT outcome delivery).
  const { application } = await acceptedParticipant(system);
  apps.push(application);
  await declareFor(system, application, AMBITION.id);
  const literacy = await createAcceptedApplication(
    system,
    { course_identifier: 'npq-leading-literacy' },
    { at: '2025-09-01T00:00:00Z' },
  );
  apps.push(literacy);
  await declareFor(system, literacy, AMBITION.id, {
    type: 'completed',
    date: '2026-05-31T23:30:00Z',
    hasPassed: true,
    at: '2026-06-01T09:00:00Z',
  });

  const ids: IdPools = {
    applications: apps.map((a) => a.id),
    participants: [],
    declarations: [],
    outcomes: [],
    statements: [],
    deliveryPartners: [],
    leadProviders: providers.map((lp) => lp.id),
    apiTokens: spare,
    outcomeDeliveries: [],
    trns: [...new Set(apps.map((a) => a.attributes.teacher_reference_number as string))],
  };
  // What each provider's own lists show (Ambition's in full, a couple of the others'), so that pooled ids
  // are mostly visible to the caller.
  for (const lp of providers) {
    const p = system.provider(lp.id);
    const take = lp.id === AMBITION.id ? 12 : 2;
    const list = async (url: string) =>
      ((await must<any>(url, p.get(url), 200)).data as { id: string }[]).map((r) => r.id).slice(0, take);
    ids.participants.push(...(await list('/api/v3/participants/npq')));
    ids.declarations.push(...(await list('/api/v3/participant-declarations')));
    ids.statements.push(...(await list('/api/v3/statements')));
    ids.outcomes.push(...(await list('/api/v3/participants/npq/outcomes')));
  }
  const partners = await must<any>('partners', admin.get('/admin/v1/delivery-partners'), 200);
  ids.deliveryPartners.push(...(partners.data as { id: string }[]).slice(0, 10).map((d) => d.id));
  const deliveries = await must<any>('deliveries', admin.get('/admin/v1/outcome-deliveries'), 200);
  ids.outcomeDeliveries.push(...(deliveries.data as { id: string }[]).map((d) => d.id));

  return {
    // The sandbox reset rewrites a provider's whole dataset (seconds of work by design); its own tests cover
    // it (test/http/sandbox-*.test.ts).
    operations: loadOperations().filter((op) => op.id !== 'adminResetSandbox'),
    ids,
    tokens: {
      providers: providers.map((lp) => system.tokens[lp.id]!),
      admin: system.config.NPQ_ADMIN_TOKEN,
      teacherRecord: trs.data.attributes.token as string,
    },
  };
}
