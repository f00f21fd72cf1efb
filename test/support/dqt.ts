import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { AMBITION, createAcceptedApplication, samePerson } from './fixtures';
import { declareFor } from './finance';
import type { System } from './system';

export interface DqtRequest {
  method: string;
  path: string;
  trn: string;
  authorization: string | undefined;
  contentType: string | undefined;
  body: { completionDate: string | null; qualificationType: string };
  at: number;
}

export type Reply = { status: number; body?: string };

/**
 * A stand-in for DQT's qualifications API on a real local port: records every request and answers with
 * whatever the test scripts per TRN (204 by default). A reply may be a promise, to hold a request.
 */
export class FakeDqt {
  readonly requests: DqtRequest[] = [];
  private readonly scripts = new Map<string, (req: DqtRequest, nth: number) => Reply | Promise<Reply>>();
  private server: Server | undefined;
  url = '';

  script(trn: string, reply: (req: DqtRequest, nth: number) => Reply | Promise<Reply>): void {
    this.scripts.set(trn, reply);
  }

  for(trn: string): DqtRequest[] {
    return this.requests.filter((r) => r.trn === trn);
  }

  async start(): Promise<void> {
    this.server = createServer((req, res) => void this.handle(req, res));
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  async stop(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise((resolve) => this.server?.close(resolve));
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    let raw = '';
    for await (const chunk of req) raw += String(chunk);
    const url = new URL(req.url ?? '/', 'http://dqt');
    const trn = url.searchParams.get('trn') ?? '';
    const record: DqtRequest = {
      method: req.method ?? '',
      path: url.pathname,
      trn,
      authorization: req.headers.authorization,
      contentType: req.headers['content-type'],
      body: JSON.parse(raw || '{}'),
      at: Date.now(),
    };
    this.requests.push(record);
    const script = this.scripts.get(trn);
    const reply = script ? await script(record, this.for(trn).length) : { status: 204 };
    if (res.destroyed) return;
    res.writeHead(reply.status, reply.body ? { 'content-type': 'application/json' } : {});
    res.end(reply.body ?? '');
  }
}

const usedTrns = new Set<string>();
/** A fresh 7-digit TRN, so DQT requests of one test are told apart by it. */
export function newTrn(): string {
  for (;;) {
    const trn = String(5_000_000 + Math.floor(Math.random() * 4_999_999));
    if (!usedTrns.has(trn)) {
      usedTrns.add(trn);
      return trn;
    }
  }
}

export interface PassedOutcomeOptions {
  validated?: boolean;
  course?: string;
  participantId?: string;
  lp?: string;
}

/** A senior leadership participant with a completed, passed declaration: the outcome is recorded at once. */
export async function passedOutcomeFor(system: System, trn: string, options: PassedOutcomeOptions = {}) {
  const lp = options.lp ?? AMBITION.id;
  const identity = options.participantId
    ? samePerson(options.participantId)
    : { teacher_reference_number: trn, teacher_reference_number_validated: options.validated ?? true };
  const app = await createAcceptedApplication(
    system,
    { ...identity, course_identifier: options.course ?? 'npq-senior-leadership', lead_provider_id: lp },
    { at: '2025-09-01T00:00:00Z' },
  );
  const declaration = await declareFor(system, app, lp, {
    type: 'completed',
    date: '2026-06-01T12:00:00Z',
    hasPassed: true,
  });
  const outcomes = await system
    .provider(lp)
    .get(`/api/v3/participants/npq/${app.attributes.participant_id}/outcomes`);
  const outcome = outcomes.body.data.at(-1);
  return {
    app,
    declaration,
    outcomeId: outcome.id as string,
    participantId: app.attributes.participant_id as string,
  };
}
