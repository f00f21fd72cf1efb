import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface ReceivedPush {
  trn: string;
  /** The JSON body as sent (qualificationType and completionDate). */
  body: string;
  at: number;
}

/**
 * DQT's qualifications API for the chaos run: a real HTTP server on a local port that records every
 * `PUT /v2/npq-qualifications?trn=…` and answers 204, a little slowly (so a kill of the training worker
 * can catch a request in flight).
 */
export class DqtReceiver {
  readonly pushes: ReceivedPush[] = [];
  /** Requests received and not answered yet. */
  inFlight = 0;
  private server: Server | undefined;
  url = '';

  constructor(private readonly delayMs = 150) {}

  async start(): Promise<void> {
    this.server = createServer((req, res) => {
      let raw = '';
      req.on('data', (chunk: Buffer) => (raw += chunk.toString()));
      req.on('end', () => {
        const url = new URL(req.url ?? '/', 'http://dqt');
        if (req.method !== 'PUT' || url.pathname !== '/v2/npq-qualifications') {
          res.writeHead(404).end();
          return;
        }
        this.pushes.push({ trn: url.searchParams.get('trn') ?? '', body: raw, at: Date.now() });
        this.inFlight++;
        setTimeout(() => {
          this.inFlight--;
          if (!res.destroyed) res.writeHead(204).end();
        }, this.delayMs);
      });
    });
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  /** Resolves once a push is in flight (true), or after `timeoutMs` without one (false). */
  async waitForInFlight(timeoutMs: number): Promise<boolean> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      if (this.inFlight > 0) return true;
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    return false;
  }

  async stop(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise((resolve) => this.server?.close(resolve));
  }
}
