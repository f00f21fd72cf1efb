import type { Server } from 'node:http';
import type { Duplex } from 'node:stream';
import type { FastifyRequest } from 'fastify';

/**
 * What Node's HTTP server answers by itself, before a request reaches Fastify, in DfE's errors envelope
 * instead of Node's empty bodies and Fastify's own shapes (docs/security.md, "Every answer").
 */

/** Security headers for a JSON API (docs/security.md): nothing may be sniffed, framed or cached. */
export function securityHeaders(hsts: boolean, csp: boolean): Record<string, string> {
  return {
    'x-content-type-options': 'nosniff',
    'x-frame-options': 'DENY',
    'referrer-policy': 'no-referrer',
    'cross-origin-resource-policy': 'same-origin',
    ...(csp ? { 'content-security-policy': "default-src 'none'; frame-ancestors 'none'" } : {}),
    ...(hsts ? { 'strict-transport-security': 'max-age=31536000; includeSubDomains' } : {}),
  };
}

const REASONS: Record<number, string> = {
  400: 'Bad Request',
  408: 'Request Timeout',
  417: 'Expectation Failed',
  431: 'Request Header Fields Too Large',
};

function envelope(title: string, detail: string): string {
  return JSON.stringify({ errors: [{ title, detail }] });
}

/** A complete HTTP/1.1 error response written straight to a socket, which is then closed. */
function endSocket(socket: Duplex, status: number, body: string): void {
  if (socket.destroyed || !socket.writable) return;
  socket.end(
    `HTTP/1.1 ${status} ${REASONS[status] ?? 'Error'}\r\n` +
      `content-type: application/json\r\ncontent-length: ${Buffer.byteLength(body)}\r\n` +
      `x-content-type-options: nosniff\r\ncache-control: no-store\r\nconnection: close\r\n\r\n${body}`,
  );
}

/** Fastify's `clientErrorHandler`: Node's parser refused the request (bad line, header, size, time). */
export function answerClientError(err: NodeJS.ErrnoException, socket: Duplex): void {
  if (err.code === 'ECONNRESET') return;
  if (err.code === 'HPE_HEADER_OVERFLOW') {
    endSocket(socket, 431, envelope('Request header fields too large', 'The request headers are too large'));
  } else if (err.code === 'ERR_HTTP_REQUEST_TIMEOUT' || err.code === 'ERR_HTTP_HEADERS_TIMEOUT') {
    endSocket(socket, 408, envelope('Request timeout', 'The request was not received in time'));
  } else {
    endSocket(socket, 400, envelope('Bad request', 'The request is not valid HTTP'));
  }
}

/**
 * Requests Node handles at the server level: CONNECT (Node would drop the connection without a word) and
 * an `Expect` other than `100-continue` (Node would answer 417 with no body).
 */
export function answerServerLevelRequests(server: Server): void {
  server.on('connect', (_req, socket: Duplex) => {
    endSocket(socket, 400, envelope('Bad request', 'CONNECT is not supported'));
  });
  server.on('checkExpectation', (_req, res) => {
    const body = envelope('Expectation failed', 'Only "Expect: 100-continue" is supported');
    res.writeHead(417, {
      'content-type': 'application/json',
      'content-length': Buffer.byteLength(body),
      'x-content-type-options': 'nosniff',
      'cache-control': 'no-store',
    });
    res.end(body);
  });
}

/**
 * A body sent with a request that takes none (GET, HEAD; bodies of a type we ignore are already read) is
 * read and thrown away: closing the connection with it unread would make the kernel reset it and cut the
 * client's answer short. Node's request timeout bounds how long a client can keep sending.
 */
export function drainIgnoredBody(req: FastifyRequest): void {
  if (req.method !== 'GET' && req.method !== 'HEAD') return;
  const { headers } = req;
  if (headers['content-length'] === undefined && headers['transfer-encoding'] === undefined) return;
  req.raw.resume();
}
