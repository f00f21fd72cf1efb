import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import type { Redis } from 'ioredis';
import { createDqtPushService, type DqtPushService } from '@npq/training';
import { createRedis } from '@npq/service-kit';
import { TEST_REDIS_URL } from '@npq/test-kit';
import { startSystem, type System } from '../support/system';
import { BPN } from '../support/fixtures';
import { eventually } from '../support/eventually';
import { FakeDqt, newTrn, passedOutcomeFor, type Reply } from '../support/dqt';

/**
 * The DQT worker dies with a request in flight (issue "Reliability", defect 4): a worker process of its
 * own is SIGKILLed while DQT holds its request. The attempt was recorded before the request went out, so
 * the re-send is visible (an interrupted attempt), counted, and still goes out before a later push of the
 * same participant.
 */
const DQT_KEY = 'test-dqt-key';
const WORKER_DELAYS = {
  backoff: { baseMs: 50, capMs: 400, minJitter: 0.75 },
  attempts: 6,
  orderingDelayMs: 50,
  sweepEveryMs: 100,
  lockDurationMs: 1000,
  stalledIntervalMs: 300,
  // A run that died holds its delivery this long before another may send it again.
  claimLeaseMs: 1500,
};

let dqt: FakeDqt;
let system: System;
let redis: Redis;
let child: ChildProcess | undefined;
let worker: DqtPushService | undefined;

beforeAll(async () => {
  dqt = new FakeDqt();
  await dqt.start();
  system = await startSystem({
    config: { DQT_API_URL: dqt.url, DQT_API_KEY: DQT_KEY, DQT_TIMEOUT_MS: 5000 },
  });
  redis = createRedis(TEST_REDIS_URL, 'reliability-dqt-crash');
});
afterAll(async () => {
  child?.kill('SIGKILL');
  await worker?.close(true);
  await redis?.quit();
  await system?.close();
  await dqt?.stop();
});

/** Starts the worker process and resolves once it consumes. */
async function startWorkerProcess(): Promise<ChildProcess> {
  const root = path.join(__dirname, '..');
  // One node process (tsx registered in it), so SIGKILL kills the worker itself.
  const proc = spawn(
    process.execPath,
    ['--import', 'tsx', path.join(root, 'support/processes/dqt-worker.ts')],
    {
      cwd: root,
      env: {
        PATH: process.env.PATH,
        TSX_TSCONFIG_PATH: path.join(root, 'tsconfig.json'),
        DATABASE_URL: system.config.DATABASE_URL,
        REDIS_URL: TEST_REDIS_URL,
        NATS_URL: system.config.NATS_URL,
        NPQ_NAMESPACE: system.config.NPQ_NAMESPACE,
        DQT_API_URL: dqt.url,
        DQT_API_KEY: DQT_KEY,
        DQT_TIMEOUT_MS: '5000',
        LOG_LEVEL: 'silent',
        TEST_WORKER_OVERRIDES: JSON.stringify(WORKER_DELAYS),
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let output = '';
  await new Promise<void>((resolve, reject) => {
    proc.stdout.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      if (output.includes('ready')) resolve();
    });
    proc.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    proc.once('exit', (code) => reject(new Error(`worker process exited (${String(code)}):\n${output}`)));
  });
  return proc;
}

async function killed(proc: ChildProcess): Promise<void> {
  const exited = new Promise((resolve) => proc.once('exit', resolve));
  proc.kill('SIGKILL');
  await exited;
}

async function interruptedCount(): Promise<number> {
  const metric = system.services.training.runtime.metrics.getSingleMetric(
    'dqt_push_interrupted_attempts_total',
  );
  return metric ? (await metric.get()).values.reduce((sum, v) => sum + v.value, 0) : 0;
}

const deliveryOf = async (outcomeId: string) =>
  ((await system.admin.get('/admin/v1/outcome-deliveries?page[per_page]=3000')).body.data as any[]).find(
    (d) => d.attributes.outcome_id === outcomeId,
  );

describe('DQT worker killed mid-request', () => {
  it('records the lost attempt as interrupted, counts the re-send, and keeps the participant’s pushes in order', async () => {
    const trn = newTrn();
    // DQT never answers the first request (the worker dies waiting); every later one gets a 204.
    dqt.script(trn, (_req, nth) => (nth === 1 ? new Promise<Reply>(() => undefined) : { status: 204 }));
    child = await startWorkerProcess();
    const first = await passedOutcomeFor(system, trn);
    await eventually(
      async () => dqt.for(trn).length,
      (n) => n === 1,
      15_000,
    );
    await killed(child);
    child = undefined;

    // A later push for the same participant, made while the first is unsettled.
    const second = await passedOutcomeFor(system, trn, {
      participantId: first.participantId,
      course: 'npq-leading-teaching',
      lp: BPN.id,
    });
    const interruptedBefore = await interruptedCount();
    worker = createDqtPushService(system.services.training.runtime, redis, WORKER_DELAYS);
    await worker.start();

    await eventually(
      () => deliveryOf(second.outcomeId),
      (d) => d?.attributes.state === 'sent',
      20_000,
    );
    const sent = await deliveryOf(first.outcomeId);
    expect(sent.attributes).toMatchObject({ state: 'sent', attempts: 2, last_status_code: 204 });

    // DQT got the first push twice (the lost request, then the re-send), and the later push last.
    expect(dqt.for(trn).map((r) => r.body.qualificationType)).toEqual(['NPQSL', 'NPQSL', 'NPQLT']);

    // Both attempts are on record: the one without an answer is marked interrupted.
    const attempts = await system.admin.get(`/admin/v1/outcome-deliveries/${sent.id}/attempts`);
    expect(attempts.status).toBe(200);
    expect(
      attempts.body.data.map((a: any) => [
        a.attributes.attempt,
        a.attributes.outcome,
        a.attributes.status_code,
        a.attributes.finished_at === null,
      ]),
    ).toEqual([
      [1, 'interrupted', null, true],
      [2, 'sent', 204, false],
    ]);
    expect(attempts.body.data[0].attributes.error).toBe(
      'no answer recorded: the worker stopped while the request was in flight',
    );
    expect((await interruptedCount()) - interruptedBefore).toBe(1);
  });
});
