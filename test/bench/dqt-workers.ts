import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { ChildProcess } from 'node:child_process';
import { nowMs } from './observer';
import type { ProcessGroup } from './processes';
import { psql } from './psql';
import { rssMiB } from './memory';

export interface DqtRow {
  deliveries: number;
  /** Pushes the receiver answered (each after `answerMs`). */
  received: number;
  answerMs: number;
  /** From the first push received to the last. */
  seconds?: number;
  pushesPerSecond?: number;
  /** Deliveries the worker recorded as sent by the end. */
  sent: number;
  workerPeakRssMiB?: number;
  /** Seconds from the worker's start to the first push (its sweep schedule). */
  firstPushAfterS?: number;
}

/**
 * DQT pushes: a local receiver standing in for DQT answers every `PUT /v2/npq-qualifications` with 204
 * after `answerMs`; `n` pending outcome deliveries (distinct participants, so none waits for an older push
 * of the same person) are inserted into training.outcome_deliveries with SQL, and the training worker
 * process (services/training/dist/worker.js, its own sweep and concurrency) pushes them.
 */
export async function dqtPushes(
  group: ProcessGroup,
  databaseUrl: string,
  startWorker: (dqtUrl: string) => ChildProcess,
  n: number,
  answerMs: number,
  limitS: number,
): Promise<DqtRow> {
  const times: number[] = [];
  const server: Server = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      setTimeout(() => {
        times.push(nowMs());
        res.writeHead(204).end();
      }, answerMs);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  try {
    await psql(
      group,
      databaseUrl,
      `insert into training.outcome_deliveries (id, outcome_id, declaration_id, participant_id, trn, course_identifier,
         qualification_type, completion_date, state, job_id, attempts, created_at, updated_at)
       select id, gen_random_uuid(), gen_random_uuid(), gen_random_uuid(), to_char(8000000 + i, 'FM0000000'),
         'npq-headship', 'NPQH', date '2026-01-15', 'pending', 'bench-' || id, 0, now(), now()
       from (select gen_random_uuid() as id, i from generate_series(1, ${n}) i) x;`,
    );
    const started = nowMs();
    const worker = startWorker(url);
    let peak = 0;
    let sent = 0;
    const deadline = started + limitS * 1000;
    while (nowMs() < deadline && worker.exitCode === null) {
      peak = Math.max(peak, rssMiB(worker.pid) ?? 0);
      const [[count = '0'] = []] = await psql(
        group,
        databaseUrl,
        `select count(*) from training.outcome_deliveries where state = 'sent' and job_id like 'bench-%';`,
      );
      sent = Number(count);
      if (sent >= n) break;
      await new Promise((resolve) => setTimeout(resolve, 1000));
    }
    const first = times[0];
    const last = times[times.length - 1];
    const seconds = first !== undefined && last !== undefined ? (last - first) / 1000 : undefined;
    return {
      deliveries: n,
      received: times.length,
      answerMs,
      seconds,
      pushesPerSecond: seconds ? (times.length - 1) / seconds : undefined,
      sent,
      workerPeakRssMiB: peak || undefined,
      firstPushAfterS: first !== undefined ? (first - started) / 1000 : undefined,
    };
  } finally {
    server.close();
  }
}
