import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { createServer as createHttpServer } from 'node:http';
import { createServer } from 'node:net';
import path from 'node:path';
import { runIntegration } from '../../packages/client/examples/integration';
import { startSystem, type System } from '../support/system';
import { AMBITION, applicationAttributes, BPN, CHURCH } from '../support/fixtures';

/**
 * The OpenAPI document is generator-proof (issue 13): a second, independent generator (@hey-api/openapi-ts,
 * its SDK validating every request and response with generated zod schemas) completes a full provider flow
 * against the running system with zero client-side validation errors, and Stoplight Prism's proxy, in
 * front of the gateway, validates every request and response of that flow and of the client package's
 * integration example (openapi-typescript + openapi-fetch) with zero violations.
 */
const TEST_DIR = path.join(__dirname, '..');
const SPEC = path.join(TEST_DIR, '../packages/contracts/openapi/openapi.yaml');
const GENERATED = path.join(TEST_DIR, '.tmp/generated/hey-api');
const BIN = path.join(TEST_DIR, 'node_modules/.bin');

let system: System;
const prisms: ChildProcess[] = [];
let prismUrl: string;
let prismLog = '';

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** Prism's proxy in front of the gateway; `--errors` turns any violation into an error answer. */
async function startPrism(upstream: string): Promise<string> {
  const port = await freePort();
  const child = spawn(
    path.join(BIN, 'prism'),
    ['proxy', SPEC, upstream, '--host', '127.0.0.1', '--port', String(port), '--errors'],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  prisms.push(child);
  let log = '';
  await new Promise<void>((resolve, reject) => {
    const onData = (chunk: Buffer) => {
      log += chunk.toString();
      prismLog += chunk.toString();
      if (log.includes('Prism is listening')) resolve();
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.on('exit', (code) => reject(new Error(`prism exited (${code}): ${log}`)));
  });
  return `http://127.0.0.1:${port}`;
}

beforeAll(async () => {
  rmSync(GENERATED, { recursive: true, force: true });
  mkdirSync(GENERATED, { recursive: true });
  execFileSync(
    path.join(BIN, 'openapi-ts'),
    ['-f', path.join(TEST_DIR, 'support/generators/hey-api.config.mjs')],
    {
      env: { ...process.env, HEY_API_OUTPUT: GENERATED },
      stdio: 'pipe',
    },
  );
  system = await startSystem({ listen: true });
  prismUrl = await startPrism(system.gatewayUrl!);
}, 120_000);
afterAll(async () => {
  // PRISM_LOG=<file> keeps Prism's log for a failure's investigation.
  if (process.env.PRISM_LOG) writeFileSync(process.env.PRISM_LOG, prismLog);
  for (const child of prisms) child.kill('SIGTERM');
  await system?.close();
  rmSync(path.join(TEST_DIR, '.tmp'), { recursive: true, force: true });
});

async function pendingApplications(leadProviderId: string, count: number) {
  for (let i = 0; i < count; i++) {
    const res = await system.admin.post(
      '/admin/v1/npq-applications',
      {
        data: {
          type: 'npq_application',
          attributes: applicationAttributes({ lead_provider_id: leadProviderId, cohort: '2025' }),
        },
      },
      { headers: { 'x-with-server-date': `2025-09-01T09:00:0${i}Z` } },
    );
    expect(res.status).toBe(201);
  }
}

/** The hey-api client, generated at the start of this file's run (not committed), so loaded by path. */
async function loadHeyApi() {
  const sdk = (await import(path.join(GENERATED, 'sdk.gen'))) as Record<string, SdkFunction>;
  const { createClient, createConfig } = (await import(path.join(GENERATED, 'client'))) as {
    createClient: (config: unknown) => unknown;
    createConfig: (config: unknown) => unknown;
  };
  return { sdk, createClient, createConfig };
}

interface Result {
  data?: any;
  error?: unknown;
  response: Response | undefined;
}

/** A zod refusal from the SDK's validators (a ZodError, which carries `issues`). */
function isValidationError(result: Result): boolean {
  if (result.error === undefined) return false;
  const zod = typeof result.error === 'object' && result.error !== null && 'issues' in result.error;
  return zod || result.response === undefined || result.response.ok;
}
type SdkFunction = (options: Record<string, unknown>) => Promise<Result>;

/**
 * The provider flow with the hey-api SDK: every read and write a provider makes on day one. Returns each
 * call's status, the validation errors the SDK threw, and the Prism violations reported in responses.
 */
async function heyApiFlow(baseUrl: string, token: string) {
  const { sdk, createClient, createConfig } = await loadHeyApi();
  const violations: string[] = [];
  const client = createClient(
    createConfig({
      baseUrl,
      auth: () => token,
      fetch: async (request: Request) => {
        const response = await fetch(request);
        const header = response.headers.get('sl-violations');
        if (header) violations.push(`${request.method} ${request.url}: ${header}`);
        return response;
      },
    }),
  );
  const calls: [string, number][] = [];
  const validationErrors: string[] = [];
  const call = async (name: string, options: Record<string, unknown> = {}) => {
    const result = await sdk[name]!({ client, ...options });
    // The SDK does not throw when a validator refuses: it returns the validator's error as `error`, with
    // no response (request refused) or with the 2xx response whose body it refused.
    if (isValidationError(result)) {
      validationErrors.push(`${name}: ${JSON.stringify(result.error)}`);
      throw new Error(`${name}: client-side validation failed: ${JSON.stringify(result.error)}`);
    }
    calls.push([name, result.response?.status ?? 0]);
    return result;
  };
  const sandbox = (date: string) => ({ headers: { 'X-With-Server-Date': date } });

  const applications = await call('listNpqApplications', {
    query: { filter: { cohort: '2025' }, page: { page: '1', per_page: '50' }, sort: 'created_at' },
  });
  const pending = (applications.data.data as { id: string; attributes: { status: string } }[]).filter(
    (a) => a.attributes.status === 'pending',
  );
  const [toAccept, toReject] = pending;
  await call('getNpqApplication', { path: { id: toAccept!.id } });
  const accepted = await call('acceptNpqApplication', {
    path: { id: toAccept!.id },
    body: { data: { type: 'npq-application-accept', attributes: { funded_place: true } } },
    ...sandbox('2025-09-15T10:00:00Z'),
  });
  await call('rejectNpqApplication', { path: { id: toReject!.id }, ...sandbox('2025-09-15T10:00:00Z') });
  const participantId = accepted.data.data.attributes.participant_id as string;
  const course = accepted.data.data.attributes.course_identifier as string;

  const partners = await call('listDeliveryPartners', { query: { filter: { cohort: '2025' } } });
  const partner = partners.data.data[0] as { id: string };
  await call('getDeliveryPartner', { path: { id: partner.id } });
  await call('listNpqParticipants', { query: { filter: { updated_since: '2025-01-01T00:00:00Z' } } });
  await call('getNpqParticipant', { path: { id: participantId } });

  const declared = await call('createParticipantDeclaration', {
    body: {
      data: {
        type: 'participant-declaration',
        attributes: {
          participant_id: participantId,
          declaration_type: 'started',
          declaration_date: '2025-10-10T10:00:00Z',
          course_identifier: course,
          delivery_partner_id: partner.id,
        },
      },
    },
    ...sandbox('2025-10-15T09:00:00Z'),
  });
  const declarationId = declared.data.data.id as string;
  await call('getParticipantDeclaration', { path: { id: declarationId } });
  const mine = await call('listParticipantDeclarations', {
    query: { filter: { participant_id: participantId } },
  });
  await call('listParticipantDeclarations', { query: { filter: { updated_since: '2025-01-01T00:00:00Z' } } });
  // A completed declaration with `has_passed` records an outcome; another outcome is submitted directly.
  await call('createParticipantDeclaration', {
    body: {
      data: {
        type: 'participant-declaration',
        attributes: {
          participant_id: participantId,
          declaration_type: 'completed',
          declaration_date: '2025-10-12T10:00:00Z',
          course_identifier: course,
          has_passed: true,
          delivery_partner_id: partner.id,
        },
      },
    },
    ...sandbox('2025-10-15T09:00:00Z'),
  });
  await call('createNpqParticipantOutcome', {
    path: { id: participantId },
    body: {
      data: {
        type: 'npq-outcome-confirmation',
        attributes: { course_identifier: course, state: 'failed', completion_date: '2025-10-13' },
      },
    },
    ...sandbox('2025-10-15T09:00:00Z'),
  });
  const training = (type: string, attributes: Record<string, unknown>, date: string) => ({
    path: { id: participantId },
    body: { data: { type, attributes: { course_identifier: course, ...attributes } } },
    ...sandbox(date),
  });
  await call(
    'deferNpqParticipant',
    training('participant-defer', { reason: 'parental-leave' }, '2025-10-20T09:00:00Z'),
  );
  await call('resumeNpqParticipant', training('participant-resume', {}, '2025-11-03T09:00:00Z'));
  await call(
    'withdrawNpqParticipant',
    training('participant-withdraw', { reason: 'personal-reason-moving-school' }, '2025-11-10T09:00:00Z'),
  );
  const voided = await call('voidParticipantDeclaration', {
    path: { id: declarationId },
    ...sandbox('2025-11-11T09:00:00Z'),
  });
  const statements = await call('listStatements', { query: { filter: { cohort: '2025' } } });
  await call('getStatement', { path: { id: statements.data.data[0].id as string } });
  await call('listNpqOutcomes', {});
  const outcomes = await call('listNpqParticipantOutcomes', { path: { id: participantId } });
  const missing = await call('getNpqApplication', { path: { id: '00000000-0000-4000-8000-000000000000' } });

  return {
    calls,
    validationErrors,
    violations,
    declarationId,
    listed: (mine.data.data as { id: string }[]).map((d) => d.id),
    voidedState: voided.data.data.attributes.state as string,
    outcomeStates: (outcomes.data.data as { attributes: { state: string } }[]).map((o) => o.attributes.state),
    missingError: missing.error,
  };
}

const EXPECTED_CALLS = [
  ['listNpqApplications', 200],
  ['getNpqApplication', 200],
  ['acceptNpqApplication', 200],
  ['rejectNpqApplication', 200],
  ['listDeliveryPartners', 200],
  ['getDeliveryPartner', 200],
  ['listNpqParticipants', 200],
  ['getNpqParticipant', 200],
  ['createParticipantDeclaration', 200],
  ['getParticipantDeclaration', 200],
  ['listParticipantDeclarations', 200],
  ['listParticipantDeclarations', 200],
  ['createParticipantDeclaration', 200],
  ['createNpqParticipantOutcome', 200],
  ['deferNpqParticipant', 200],
  ['resumeNpqParticipant', 200],
  ['withdrawNpqParticipant', 200],
  ['voidParticipantDeclaration', 200],
  ['listStatements', 200],
  ['getStatement', 200],
  ['listNpqOutcomes', 200],
  ['listNpqParticipantOutcomes', 200],
  ['getNpqApplication', 404],
];

describe('@hey-api/openapi-ts with zod validators', () => {
  it('completes the provider flow against the gateway with zero validation errors', async () => {
    await pendingApplications(BPN.id, 2);
    const out = await heyApiFlow(system.gatewayUrl!, system.tokens[BPN.id]!);
    expect(out.validationErrors).toEqual([]);
    expect(out.calls).toEqual(EXPECTED_CALLS);
    expect(out.listed).toEqual([out.declarationId]);
    expect(out.voidedState).toBe('voided');
    expect(out.outcomeStates.sort()).toEqual(['failed', 'passed']);
    expect(out.missingError).toEqual({ error: 'Resource not found' });
  });
});

describe('Prism proxy validation', () => {
  it('finds zero violations in the hey-api flow', async () => {
    await pendingApplications(CHURCH.id, 2);
    const logFrom = prismLog.length;
    const out = await heyApiFlow(prismUrl, system.tokens[CHURCH.id]!);
    expect(out.violations).toEqual([]);
    expect(prismLog.slice(logFrom)).not.toMatch(/error|warning|violation/i);
    expect(prismLog.slice(logFrom).match(/Request received/g)).toHaveLength(EXPECTED_CALLS.length);
    expect(out.validationErrors).toEqual([]);
    expect(out.calls).toEqual(EXPECTED_CALLS);
  });

  it('finds zero violations in the client package example (openapi-typescript + openapi-fetch)', async () => {
    await pendingApplications(AMBITION.id, 1);
    const logFrom = prismLog.length;
    const out = await runIntegration(prismUrl, system.tokens[AMBITION.id]!);
    expect(prismLog.slice(logFrom)).not.toMatch(/error|warning|violation/i);
    expect(out.accepted.attributes.status).toBe('accepted');
    expect(out.declarations.map((d) => d.id)).toEqual([out.declaration.id]);
    expect(out.refusal?.status).toBe(422);
  });

  it('refuses a request that breaks the document (the check is live)', async () => {
    const res = await fetch(`${prismUrl}/api/v3/participant-declarations`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${system.tokens[AMBITION.id]!}`, 'Content-Type': 'application/json' },
      body: JSON.stringify({ data: 'not an object' }),
    });
    expect(res.status).toBe(422);
    expect(JSON.stringify(await res.json())).toContain('must be object');
  });

  it('refuses a response that breaks the document (the check is live)', async () => {
    // A fake upstream answering an application whose status is not one of the documented values.
    const upstream = createHttpServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(
        JSON.stringify({
          data: {
            id: 'd0b4a32e-a272-489e-b30a-cb17131457fc',
            type: 'npq_application',
            attributes: { status: 'approved' },
          },
        }),
      );
    });
    await new Promise<void>((resolve) => upstream.listen(0, '127.0.0.1', resolve));
    const second = await startPrism(`http://127.0.0.1:${(upstream.address() as { port: number }).port}`);
    try {
      const res = await fetch(`${second}/api/v3/npq-applications/d0b4a32e-a272-489e-b30a-cb17131457fc`, {
        headers: { Authorization: 'Bearer x' },
      });
      expect(res.status).toBe(500);
      expect(JSON.stringify(await res.json())).toMatch(/status|must be equal to one of the allowed values/);

      // The hey-api SDK's zod validators are live too: the same answer, fetched directly, is refused.
      const { sdk, createClient, createConfig } = await loadHeyApi();
      const client = createClient(
        createConfig({ baseUrl: `http://127.0.0.1:${(upstream.address() as { port: number }).port}` }),
      );
      const refused = await sdk.getNpqApplication!({
        client,
        path: { id: 'd0b4a32e-a272-489e-b30a-cb17131457fc' },
      });
      expect(refused.response?.status).toBe(200);
      expect(isValidationError(refused)).toBe(true);
      expect(JSON.stringify(refused.error)).toContain('status');
    } finally {
      upstream.close();
    }
  }, 90_000); // starts a second Prism
});
