import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { isIP, type LookupFunction } from 'node:net';
import { addressesRefusal, dnsResolver, hostOf, type Resolver } from '../subscriptions/rules';
import { RESPONSE_EXCERPT_CHARS } from '../deliveries/rules';
import type { AttemptResult } from '../deliveries/commands';

export interface PostOptions {
  headers: Record<string, string>;
  body: string;
  timeoutMs: number;
  sandbox: boolean;
  resolve?: Resolver;
}

/** An error of the pinned lookup: the name resolved to an address a webhook must not reach. */
class RefusedAddress extends Error {
  readonly code = 'ENPQREFUSED';
}

/**
 * The connection's own name lookup (docs/webhooks.md, "Endpoints"): the addresses it resolves are checked,
 * and the socket connects to exactly those, so a DNS answer that changes after a check (rebinding) cannot
 * send the request anywhere unchecked. Node calls it for host names only; literal addresses are checked
 * before connecting.
 */
function pinnedLookup(protocol: string, sandbox: boolean, resolve: Resolver): LookupFunction {
  return (hostname, options, callback) => {
    resolve(hostname).then(
      (addresses) => {
        const refusal =
          addresses.length === 0
            ? 'must have a host name that resolves'
            : addressesRefusal(addresses, protocol, sandbox);
        if (refusal) {
          callback(new RefusedAddress(refusal), '', 4);
          return;
        }
        if (options.all) {
          (callback as unknown as (err: null, all: { address: string; family: number }[]) => void)(
            null,
            addresses.map((address) => ({ address, family: isIP(address) })),
          );
        } else {
          callback(null, addresses[0]!, isIP(addresses[0]!));
        }
      },
      () => callback(new RefusedAddress('must have a host name that resolves'), '', 4),
    );
  };
}

/**
 * One signed POST of a webhook message; never throws: a refused address, a network error or a timeout is an
 * attempt without a status. Redirects are not followed (a 3xx is an answer like any other).
 */
export async function postWebhook(url: string, options: PostOptions): Promise<AttemptResult> {
  const started = Date.now();
  const target = new URL(url);
  const host = hostOf(target);
  const resolve = options.resolve ?? dnsResolver;
  // A literal address never reaches the lookup: check it here.
  const literalRefusal = isIP(host) ? addressesRefusal([host], target.protocol, options.sandbox) : undefined;
  if (literalRefusal) return refused(literalRefusal);
  const request = target.protocol === 'https:' ? httpsRequest : httpRequest;
  return new Promise<AttemptResult>((done) => {
    let settled = false;
    const finish = (result: AttemptResult) => {
      if (settled) return;
      settled = true;
      done(result);
    };
    const req = request(
      {
        protocol: target.protocol,
        hostname: host,
        port: target.port || undefined,
        path: `${target.pathname}${target.search}`,
        method: 'POST',
        headers: { ...options.headers, 'content-length': String(Buffer.byteLength(options.body)) },
        lookup: pinnedLookup(target.protocol, options.sandbox, resolve),
        signal: AbortSignal.timeout(options.timeoutMs),
        agent: false,
      },
      (res) => {
        void readExcerpt(res).then((excerpt) => {
          finish({
            statusCode: res.statusCode ?? null,
            latencyMs: Date.now() - started,
            responseExcerpt: excerpt,
            error: null,
          });
          res.destroy();
        });
      },
    );
    req.on('error', (err: NodeJS.ErrnoException) => {
      if (err instanceof RefusedAddress || err.code === 'ENPQREFUSED') {
        finish(refused(err.message));
        return;
      }
      const timedOut = err.name === 'AbortError' || err.name === 'TimeoutError';
      finish({
        statusCode: null,
        latencyMs: Date.now() - started,
        responseExcerpt: null,
        error: timedOut ? `timed out after ${options.timeoutMs} ms` : 'connection failed',
      });
    });
    req.end(options.body);
  });
}

function refused(reason: string): AttemptResult {
  return { statusCode: null, latencyMs: 0, responseExcerpt: null, error: `refused: the url ${reason}` };
}

/** The first characters of the answer, reading no more than needed (the request's timeout also bounds it). */
async function readExcerpt(res: IncomingMessage): Promise<string | null> {
  const decoder = new TextDecoder();
  let text = '';
  try {
    for await (const chunk of res as AsyncIterable<Buffer>) {
      text += decoder.decode(chunk, { stream: true });
      if (text.length >= RESPONSE_EXCERPT_CHARS) break;
    }
  } catch {
    // the answer was cut off (or timed out): keep what arrived
  }
  return text.slice(0, RESPONSE_EXCERPT_CHARS);
}
