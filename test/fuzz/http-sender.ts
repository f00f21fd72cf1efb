import http from 'node:http';
import net from 'node:net';
import type { FuzzRequest } from './request-generators';

export interface FuzzResponse {
  /** 0 when the server closed (or stalled) without answering. */
  status: number;
  headers: Record<string, string>;
  body: string;
  /** Why there is no response (status 0), e.g. `socket closed without a response`. */
  failure?: string;
}

const TIMEOUT_MS = 15_000;

/**
 * Sends generated requests to a gateway on a real socket: node:http (keep-alive) when it can write the
 * request as generated, else the exact bytes on a fresh TCP connection.
 */
export class HttpSender {
  private readonly agent = new http.Agent({ keepAlive: true, maxSockets: 4 });
  private readonly host: string;
  private readonly port: number;

  constructor(baseUrl: string) {
    const url = new URL(baseUrl);
    this.host = url.hostname;
    this.port = Number(url.port);
  }

  send(req: FuzzRequest): Promise<FuzzResponse> {
    return req.raw !== undefined ? this.sendRaw(req.raw) : this.sendHttp(req);
  }

  close(): void {
    this.agent.destroy();
  }

  private sendHttp(req: FuzzRequest): Promise<FuzzResponse> {
    return new Promise((resolve) => {
      // Repeated names stay repeated on the wire (node:http writes an array value as several lines).
      const headers: Record<string, string | string[]> = {};
      for (const [name, value] of req.headers) {
        const existing = headers[name];
        headers[name] = existing === undefined ? value : [...[existing].flat(), value];
      }
      if (req.body !== undefined) headers['content-length'] = String(Buffer.byteLength(req.body, 'utf8'));
      const outgoing = http.request(
        {
          host: this.host,
          port: this.port,
          method: req.method,
          path: req.target,
          headers,
          agent: this.agent,
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () =>
            resolve({
              status: res.statusCode ?? 0,
              headers: flattenHeaders(res.headers),
              body: Buffer.concat(chunks).toString('utf8'),
            }),
          );
          res.on('error', (err) => resolve(noResponse(`response error: ${err.message}`)));
        },
      );
      outgoing.setTimeout(TIMEOUT_MS, () =>
        outgoing.destroy(new Error(`no response within ${TIMEOUT_MS} ms`)),
      );
      outgoing.on('error', (err) => resolve(noResponse(err.message)));
      outgoing.end(req.body);
    });
  }

  private sendRaw(bytes: string): Promise<FuzzResponse> {
    const head = bytes.startsWith('HEAD ');
    return new Promise((resolve) => {
      const socket = net.connect({ host: this.host, port: this.port });
      const chunks: Buffer[] = [];
      let settled = false;
      const settle = (why?: string) => {
        if (settled) return;
        settled = true;
        socket.destroy();
        const data = Buffer.concat(chunks);
        const parsed = parseRawResponse(data, { head });
        if (parsed) return resolve(parsed);
        // A status line but not the whole answer: the server reset the connection while still sending.
        const started = /^HTTP\/\d\.\d (\d{3})/.exec(data.subarray(0, 16).toString('latin1'));
        resolve(
          noResponse(
            started
              ? `truncated ${started[1]} answer (${data.length} bytes, then the connection closed)`
              : (why ?? 'socket closed without a response'),
          ),
        );
      };
      socket.setTimeout(TIMEOUT_MS, () => settle(`no response within ${TIMEOUT_MS} ms`));
      socket.on('connect', () => {
        // The server may answer (and close) before reading everything, e.g. on an oversized header.
        socket.write(Buffer.from(bytes, 'utf8'), () => undefined);
      });
      socket.on('data', (c: Buffer) => {
        chunks.push(c);
        // Stop at the first complete response: later bytes could only answer a smuggled second request.
        if (parseRawResponse(Buffer.concat(chunks), { head, streamOpen: true })) settle();
      });
      socket.on('error', (err) => settle(`socket error: ${err.message}`));
      socket.on('end', () => settle());
      socket.on('close', () => settle());
    });
  }
}

function noResponse(failure: string): FuzzResponse {
  return { status: 0, headers: {}, body: '', failure };
}

function flattenHeaders(headers: http.IncomingHttpHeaders): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value !== undefined) out[name] = Array.isArray(value) ? value.join(', ') : value;
  }
  return out;
}

/**
 * The first HTTP/1.1 response in `data`, or undefined when it is not all there yet. While the stream is
 * open, a body framed neither by Content-Length nor chunked is not complete yet (it ends with the stream).
 */
export function parseRawResponse(
  data: Buffer,
  options: { head?: boolean; streamOpen?: boolean } = {},
): FuzzResponse | undefined {
  const headerEnd = data.indexOf('\r\n\r\n');
  if (headerEnd === -1) return undefined;
  const [statusLine = '', ...lines] = data.subarray(0, headerEnd).toString('latin1').split('\r\n');
  const match = /^HTTP\/\d\.\d (\d{3})/.exec(statusLine);
  if (!match) return undefined;
  const headers: Record<string, string> = {};
  for (const line of lines) {
    const colon = line.indexOf(':');
    if (colon === -1) continue;
    const name = line.slice(0, colon).trim().toLowerCase();
    const value = line.slice(colon + 1).trim();
    headers[name] = headers[name] === undefined ? value : `${headers[name]}, ${value}`;
  }
  const rest = data.subarray(headerEnd + 4);
  const status = Number(match[1]);
  // An interim answer (100 Continue) comes before the real one.
  if (status >= 100 && status < 200) return parseRawResponse(rest, options);
  let body: Buffer | undefined;
  if (options.head || status === 204 || status === 304) body = Buffer.alloc(0);
  else if (headers['transfer-encoding']?.toLowerCase().includes('chunked')) body = dechunk(rest);
  else if (headers['content-length'] !== undefined) {
    const length = Number(headers['content-length']);
    body = rest.length >= length ? rest.subarray(0, length) : undefined;
  } else body = options.streamOpen ? undefined : rest;
  if (!body) return undefined;
  return { status, headers, body: body.toString('utf8') };
}

function dechunk(data: Buffer): Buffer | undefined {
  const parts: Buffer[] = [];
  let at = 0;
  for (;;) {
    const lineEnd = data.indexOf('\r\n', at);
    if (lineEnd === -1) return undefined;
    const size = parseInt(data.subarray(at, lineEnd).toString('latin1'), 16);
    if (Number.isNaN(size)) return undefined;
    if (size === 0) return Buffer.concat(parts);
    if (data.length < lineEnd + 2 + size + 2) return undefined;
    parts.push(data.subarray(lineEnd + 2, lineEnd + 2 + size));
    at = lineEnd + 2 + size + 2;
  }
}
