import { randomUUID } from 'node:crypto';
import { LEAD_PROVIDERS } from '@npq/contracts';
import { bootstrapToken } from '@npq/gateway';
import { SEED_DELIVERY_PARTNERS } from '@npq/finance';
import { sleep } from './cluster';
import { INTAKE_DEFAULTS } from '../support/fixtures';

/** Longest a client waits for one answer; anything near it is a hung request (an invariant). */
export const CLIENT_TIMEOUT_MS = 60_000;

export type WriteKind =
  | 'intake'
  | 'accept'
  | 'declare-started'
  | 'declare-completed'
  | 'void'
  | 'defer'
  | 'resume'
  | 'outcome'
  | 'cutoff'
  | 'authorise';

/** One HTTP exchange the load made: what, when, how it ended. */
export interface Exchange {
  kind: WriteKind;
  status: number; // 0: no answer (connection refused or reset, client timeout)
  startedAt: number;
  ms: number;
  /** The resource the write made or changed, when it answered 2xx. */
  id?: string;
}

/** What each participant flow achieved (2xx answers only): what the invariants check. */
export interface Participant {
  applicationId?: string;
  participantId?: string;
  leadProviderId: string;
  trn: string;
  accepted: boolean;
  /** Declaration id → the state its last 2xx answer gave. */
  declarations: Map<string, string>;
  /** Last training status a 2xx answer gave (defer/resume). */
  trainingStatus?: string;
  outcomes: string[];
}

export interface PaymentRun {
  statementId: string;
  authorised: boolean;
}

const COURSE = 'npq-senior-leadership';
const PARTNER = SEED_DELIVERY_PARTNERS[0]!.id;

class Api {
  constructor(
    readonly gateways: string[],
    readonly adminToken: string,
  ) {}
  private turn = 0;

  async send(
    kind: WriteKind,
    method: string,
    path: string,
    token: string,
    body: unknown,
    headers: Record<string, string>,
    record: (e: Exchange) => void,
  ): Promise<{ status: number; json: any }> {
    const base = this.gateways[this.turn++ % this.gateways.length]!;
    const startedAt = Date.now();
    let status = 0;
    let json: any;
    try {
      const res = await fetch(`${base}${path}`, {
        method,
        headers: {
          authorization: `Bearer ${token}`,
          accept: 'application/json',
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
          ...headers,
        },
        body: body === undefined ? undefined : JSON.stringify(body),
        signal: AbortSignal.timeout(CLIENT_TIMEOUT_MS),
      });
      status = res.status;
      const text = await res.text();
      try {
        json = text ? JSON.parse(text) : undefined;
      } catch {
        json = undefined;
      }
    } catch {
      status = 0;
    }
    const id = status >= 200 && status < 300 ? (json?.data?.id as string | undefined) : undefined;
    record({ kind, status, startedAt, ms: Date.now() - startedAt, ...(id ? { id } : {}) });
    return { status, json };
  }
}

const at = (date: string) => ({ 'x-with-server-date': date });
const retryable = (status: number) => status === 0 || status >= 500 || status === 429;

/**
 * Steady write load through the gateways: `actors` concurrent clients, each pacing itself so that together
 * they send about `ratePerSecond` requests. Each client runs participant flows: intake (admin, with an
 * Idempotency-Key) → accept → started declaration, then one of: void and declare again; defer and resume;
 * completed with a pass (an outcome, so a DQT push) and sometimes a failed outcome after it (a second
 * push). A request that failed for want of an answer (5xx, none) is retried, as a client would; a 4xx
 * that only says another service has not caught up yet is retried too, for a while.
 */
export class Load {
  readonly exchanges: Exchange[] = [];
  readonly participants: Participant[] = [];
  readonly paymentRuns: PaymentRun[] = [];
  private running = false;
  private actors: Promise<void>[] = [];
  private readonly api: Api;
  private readonly tokens = new Map<string, string>();
  private nextProvider = 0;
  private trnCounter = 0;

  constructor(
    gateways: string[],
    private readonly adminToken: string,
    private readonly ratePerSecond = 12,
    private readonly actorCount = 6,
  ) {
    this.api = new Api(gateways, adminToken);
    for (const lp of LEAD_PROVIDERS) this.tokens.set(lp.id, bootstrapToken(adminToken, lp.id));
  }

  start(): void {
    this.running = true;
    const interval = (1000 * this.actorCount) / this.ratePerSecond;
    for (let i = 0; i < this.actorCount; i++) {
      this.actors.push(this.actor(interval, i * (interval / this.actorCount)));
    }
  }

  /** Stops starting new flows and waits for the flows in progress to finish. */
  async stop(): Promise<void> {
    this.running = false;
    await Promise.all(this.actors);
    this.actors = [];
  }

  private async actor(intervalMs: number, offsetMs: number): Promise<void> {
    await sleep(offsetMs);
    const pace = async (fn: () => Promise<unknown>) => {
      const started = Date.now();
      const result = await fn();
      await sleep(Math.max(0, intervalMs - (Date.now() - started)));
      return result;
    };
    while (this.running) await this.flow(pace);
  }

  private record = (e: Exchange) => {
    this.exchanges.push(e);
  };

  /**
   * Sends until an answer decides it: 2xx, or a 4xx that is not "not there yet". Gives up after
   * `patienceMs` of failures (the flow then stops; what was achieved stays recorded).
   */
  private async attempt(
    pace: (fn: () => Promise<unknown>) => Promise<unknown>,
    send: () => Promise<{ status: number; json: any }>,
    notYet: (status: number, json: any) => boolean,
    patienceMs = 90_000,
  ): Promise<{ status: number; json: any }> {
    const deadline = Date.now() + patienceMs;
    for (;;) {
      const res = (await pace(send)) as { status: number; json: any };
      if (res.status >= 200 && res.status < 300) return res;
      if (!retryable(res.status) && !notYet(res.status, res.json)) return res;
      if (Date.now() > deadline) return res;
      await sleep(500);
    }
  }

  private async flow(pace: (fn: () => Promise<unknown>) => Promise<unknown>): Promise<void> {
    const lp = LEAD_PROVIDERS[this.nextProvider++ % LEAD_PROVIDERS.length]!.id;
    const token = this.tokens.get(lp)!;
    const trn = String(3_000_000 + ((process.pid * 7919 + ++this.trnCounter) % 6_999_999));
    const p: Participant = {
      leadProviderId: lp,
      trn,
      accepted: false,
      declarations: new Map(),
      outcomes: [],
    };
    this.participants.push(p);
    const detail = (json: any): string => json?.errors?.[0]?.detail ?? '';
    // Another service not having applied an event yet reads as "not found" or "no accepted application".
    const lagging = (status: number, json: any) =>
      status === 404 ||
      (status === 422 &&
        /cannot be found|not recognised|has not had a 'completed'|has no declarations/.test(detail(json)));

    // 1. Intake (admin), with a key: a retry after a lost answer gets the same application back.
    const key = randomUUID();
    const intake = await this.attempt(
      pace,
      () =>
        this.api.send(
          'intake',
          'POST',
          '/admin/v1/npq-applications',
          this.adminToken,
          { data: { type: 'npq_application', attributes: this.intakeAttributes(lp, trn) } },
          { 'idempotency-key': key },
          this.record,
        ),
      () => false,
    );
    if (intake.status !== 201) return;
    p.applicationId = intake.json.data.id as string;
    p.participantId = intake.json.data.attributes.participant_id as string;
    if (!this.running) return;

    // 2. Accept. Retried after a lost answer, "already accepted" means the first one took.
    const accept = await this.attempt(
      pace,
      () =>
        this.api.send(
          'accept',
          'POST',
          `/api/v3/npq-applications/${p.applicationId}/accept`,
          token,
          { data: { type: 'npq-application-accept', attributes: { funded_place: true } } },
          at('2026-09-15T10:00:00Z'),
          this.record,
        ),
      () => false,
    );
    if (accept.status !== 200) return;
    p.accepted = true;

    // 3. Started declaration.
    const started = await this.declare(pace, p, token, 'started', '2026-10-10T10:00:00Z', lagging);
    if (!started) return;

    const r = Math.random();
    if (r < 0.25) {
      // Void, then declare again.
      const voided = await this.attempt(
        pace,
        () =>
          this.api.send(
            'void',
            'PUT',
            `/api/v3/participant-declarations/${started}/void`,
            token,
            undefined,
            at('2026-10-12T09:00:00Z'),
            this.record,
          ),
        lagging,
      );
      if (voided.status !== 200) return;
      p.declarations.set(started, voided.json.data.attributes.state as string);
      await this.declare(pace, p, token, 'started', '2026-10-13T10:00:00Z', lagging);
    } else if (r < 0.5) {
      for (const [action, date] of [
        ['defer', '2026-11-01T09:00:00Z'],
        ['resume', '2026-11-15T09:00:00Z'],
      ] as const) {
        const res = await this.attempt(
          pace,
          () =>
            this.api.send(
              action,
              'PUT',
              `/api/v3/participants/npq/${p.participantId}/${action}`,
              token,
              {
                data: {
                  type: `participant-${action}`,
                  attributes:
                    action === 'defer'
                      ? { course_identifier: COURSE, reason: 'long-term-sickness' }
                      : { course_identifier: COURSE },
                },
              },
              at(date),
              this.record,
            ),
          lagging,
        );
        if (res.status !== 200) return;
        p.trainingStatus = action === 'defer' ? 'deferred' : 'active';
      }
    } else if (r < 0.9) {
      // Completed with a pass: training records the outcome, which is pushed to DQT.
      const completed = await this.declare(
        pace,
        p,
        token,
        'completed',
        '2027-06-01T10:00:00Z',
        lagging,
        true,
      );
      if (!completed || Math.random() < 0.6) return;
      const outcome = await this.attempt(
        pace,
        () =>
          this.api.send(
            'outcome',
            'POST',
            `/api/v3/participants/npq/${p.participantId}/outcomes`,
            token,
            {
              data: {
                type: 'npq-outcome-confirmation',
                attributes: { course_identifier: COURSE, state: 'failed', completion_date: '2027-06-15' },
              },
            },
            at('2027-06-20T09:00:00Z'),
            this.record,
          ),
        lagging,
      );
      if (outcome.status === 200) p.outcomes.push(outcome.json.data.id as string);
    }
  }

  private async declare(
    pace: (fn: () => Promise<unknown>) => Promise<unknown>,
    p: Participant,
    token: string,
    type: 'started' | 'completed',
    date: string,
    lagging: (status: number, json: any) => boolean,
    hasPassed?: boolean,
  ): Promise<string | undefined> {
    const serverDate = new Date(Date.parse(date) + 3_600_000).toISOString().replace(/\.\d{3}Z$/, 'Z');
    const res = await this.attempt(
      pace,
      () =>
        this.api.send(
          type === 'started' ? 'declare-started' : 'declare-completed',
          'POST',
          '/api/v3/participant-declarations',
          token,
          {
            data: {
              type: 'participant-declaration',
              attributes: {
                participant_id: p.participantId,
                declaration_type: type,
                declaration_date: date,
                course_identifier: COURSE,
                delivery_partner_id: PARTNER,
                ...(hasPassed === undefined ? {} : { has_passed: hasPassed }),
              },
            },
          },
          at(serverDate),
          this.record,
        ),
      lagging,
    );
    if (res.status !== 200) return undefined;
    const id = res.json.data.id as string;
    p.declarations.set(id, res.json.data.attributes.state as string);
    return id;
  }

  private intakeAttributes(lp: string, trn: string): Record<string, unknown> {
    const n = ++this.trnCounter;
    return {
      lead_provider_id: lp,
      course_identifier: COURSE,
      cohort: '2026',
      cohort_suffix: 'b',
      full_name: `Chaos Person ${n}`,
      email: `chaos-${n}-${randomUUID().slice(0, 8)}@example.com`,
      teacher_reference_number: trn,
      ...INTAKE_DEFAULTS,
    };
  }

  /**
   * A payment cycle through the admin API, with keys (retried after a lost answer): when `cutOff` is
   * set, the cut-off the day after `cutOffDate` first (it makes every provider's statements due by then
   * payable); then authorise-payment of `statementId` on that day. The finance worker pays it.
   */
  async payStatement(statementId: string, cutOffDate: string, cutOff: boolean): Promise<void> {
    const next = new Date(Date.parse(`${cutOffDate}T00:00:00Z`) + 86_400_000).toISOString().slice(0, 10);
    const run: PaymentRun = { statementId, authorised: false };
    this.paymentRuns.push(run);
    const noPace = (fn: () => Promise<unknown>) => fn();
    if (cutOff) {
      const cutoffKey = randomUUID();
      const cutoff = await this.attempt(
        noPace,
        () =>
          this.api.send(
            'cutoff',
            'POST',
            '/admin/v1/finance/statement-cutoffs',
            this.adminToken,
            { data: { type: 'statement-cutoff', attributes: { as_of: next } } },
            { 'idempotency-key': cutoffKey },
            this.record,
          ),
        () => false,
      );
      if (cutoff.status !== 200) return;
    }
    const authoriseKey = randomUUID();
    const authorise = await this.attempt(
      noPace,
      () =>
        this.api.send(
          'authorise',
          'POST',
          `/admin/v1/statements/${statementId}/authorise-payment`,
          this.adminToken,
          undefined,
          { 'idempotency-key': authoriseKey, ...at(`${next}T09:00:00Z`) },
          this.record,
        ),
      () => false,
    );
    run.authorised = authorise.status === 202;
  }
}
