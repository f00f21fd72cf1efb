import { createHmac } from 'node:crypto';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface Received {
  path: string;
  headers: IncomingHttpHeaders;
  body: string;
  /** What the receiver answered. */
  status: number;
  json: { id: string; type: string; timestamp: string; data: Record<string, any> };
}

/** What the receiver answers next on a path: a status, or `hang` (never answer within the test). */
export type Answer = number | 'hang';

/**
 * A real local HTTP endpoint standing in for a provider's webhook receiver: records every request and
 * answers each path from a script of answers (200 once the script is used up).
 */
export class WebhookReceiver {
  readonly received: Received[] = [];
  private readonly scripts = new Map<string, Answer[]>();
  private server: Server | undefined;
  url = '';

  async start(): Promise<this> {
    this.server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const body = Buffer.concat(chunks).toString('utf8');
        const path = req.url ?? '/';
        const answer = this.scripts.get(path)?.shift() ?? 200;
        if (answer === 'hang') {
          res.on('close', () => undefined);
          return;
        }
        this.received.push({
          path,
          headers: req.headers,
          body,
          status: answer,
          json: JSON.parse(body) as Received['json'],
        });
        res.writeHead(answer, { 'content-type': 'text/plain' }).end(`answer ${answer}`);
      });
    });
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return this;
  }

  script(path: string, answers: Answer[]): void {
    this.scripts.set(path, [...answers]);
  }

  /** What reached `path` and was answered 2xx (what the provider's system accepted). */
  on(path: string): Received[] {
    return this.received.filter((r) => r.path === path && r.status >= 200 && r.status < 300);
  }

  /** Every request to `path`, whatever it was answered. */
  all(path: string): Received[] {
    return this.received.filter((r) => r.path === path);
  }

  async stop(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise<void>((resolve) => this.server?.close(() => resolve()) ?? resolve());
  }
}

/** Verifies a Standard Webhooks signature as a receiver would (independently of the service's code). */
export function verifySignature(secret: string, r: Received): boolean {
  const id = r.headers['webhook-id'] as string;
  const ts = r.headers['webhook-timestamp'] as string;
  const key = Buffer.from(secret.slice('whsec_'.length), 'base64');
  const expected = createHmac('sha256', key).update(`${id}.${ts}.${r.body}`).digest('base64');
  const signatures = String(r.headers['webhook-signature'])
    .split(' ')
    .map((s) => s.split(',') as [string, string]);
  return signatures.some(([version, sig]) => version === 'v1' && sig === expected);
}
