import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { openApiValidator, type ContractViolation } from '@npq/test-kit';

const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'transfer-encoding', 'content-length', 'host']);

/**
 * A real HTTP proxy in front of the gateway that checks every answer against the OpenAPI document, for
 * callers the test does not build (the client package's examples, a child process): what `ApiClient` does
 * for the test's own requests. `violations` lists every answer that broke the contract.
 */
export class ValidatingProxy {
  readonly violations: (ContractViolation & { url: string })[] = [];
  /** Every request that went through, as `METHOD path` (so a test can show the proxy was used). */
  readonly requests: string[] = [];
  private server: Server | undefined;
  url = '';

  constructor(private readonly upstream: string) {}

  async start(): Promise<this> {
    this.server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        void (async () => {
          const headers: Record<string, string> = {};
          for (const [k, v] of Object.entries(req.headers)) {
            if (!HOP_BY_HOP.has(k) && typeof v === 'string') headers[k] = v;
          }
          const method = req.method ?? 'GET';
          const url = req.url ?? '/';
          this.requests.push(`${method} ${url.split('?')[0]}`);
          const upstream = await fetch(`${this.upstream}${url}`, {
            method,
            headers,
            ...(chunks.length > 0 ? { body: Buffer.concat(chunks) } : {}),
          });
          const text = await upstream.text();
          const contentType = upstream.headers.get('content-type') ?? undefined;
          let body: unknown = text;
          if (contentType?.startsWith('application/json') && text !== '') body = JSON.parse(text);
          const violation = openApiValidator().check(method, url, upstream.status, contentType, body);
          if (violation) this.violations.push({ ...violation, url });
          const out: Record<string, string> = {};
          upstream.headers.forEach((v, k) => {
            if (!HOP_BY_HOP.has(k) && k !== 'content-encoding') out[k] = v;
          });
          res.writeHead(upstream.status, out).end(text);
        })().catch((err: unknown) => {
          this.violations.push({ operation: 'proxy', status: 0, errors: String(err), url: req.url ?? '' });
          res.writeHead(502).end();
        });
      });
    });
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return this;
  }

  async stop(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise<void>((resolve) => this.server?.close(() => resolve()) ?? resolve());
  }
}
