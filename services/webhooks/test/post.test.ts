import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { postWebhook } from '../src/jobs/post';
import { addressRefusal, type Resolver } from '../src/subscriptions/rules';

// The delivery's own lookup (SSRF, DNS rebinding; docs/webhooks.md, "Endpoints") against a real local
// receiver that counts every TCP connection, so a refused attempt is shown never to have connected.
let server: Server;
let port: number;
let connections = 0;
const received: { headers: Record<string, unknown>; body: string }[] = [];

beforeAll(async () => {
  server = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      received.push({ headers: req.headers, body });
      res.writeHead(200).end('ok');
    });
  });
  server.on('connection', () => connections++);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  port = (server.address() as AddressInfo).port;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});
beforeEach(() => {
  connections = 0;
  received.length = 0;
});

const post = (url: string, sandbox: boolean, resolve?: Resolver) =>
  postWebhook(url, {
    headers: { 'content-type': 'application/json', 'webhook-id': 'evt' },
    body: '{"x":1}',
    timeoutMs: 2000,
    sandbox,
    ...(resolve ? { resolve } : {}),
  });

describe('postWebhook', () => {
  it('production mode: a host name resolving to 127.0.0.1 (localhost) is refused without connecting', async () => {
    const result = await post(`https://localhost:${port}/hook`, false);
    expect(result).toMatchObject({
      statusCode: null,
      error: 'refused: the url must not point to a private, loopback or link-local address',
    });
    const literal = await post(`https://127.0.0.1:${port}/hook`, false);
    expect(literal.error).toMatch(/^refused: /);
    expect(connections).toBe(0);
  });

  it('production mode: a name checked public at creation that resolves to loopback later (rebinding) is refused', async () => {
    let answers = 0;
    // The first answer (the subscription's check) is public, every later one loopback.
    const rebinding: Resolver = async () => (answers++ === 0 ? ['93.184.216.34'] : ['127.0.0.1']);
    expect(await addressRefusal(`https://rebind.example:${port}/hook`, false, rebinding)).toBeUndefined();
    const result = await post(`https://rebind.example:${port}/hook`, false, rebinding);
    expect(result.error).toBe('refused: the url must not point to a private, loopback or link-local address');
    expect(connections).toBe(0);
  });

  it('connects to exactly the address its lookup checked', async () => {
    // The name resolves only through the given resolver: the socket goes where the checked answer says.
    const resolved: string[] = [];
    const local: Resolver = async (host) => {
      resolved.push(host);
      return ['127.0.0.1'];
    };
    const result = await post(`http://receiver.test:${port}/hook?a=1`, true, local);
    expect(result).toMatchObject({ statusCode: 200, responseExcerpt: 'ok', error: null });
    expect(resolved).toEqual(['receiver.test']);
    expect(received).toEqual([
      {
        headers: expect.objectContaining({ 'webhook-id': 'evt', host: `receiver.test:${port}` }),
        body: '{"x":1}',
      },
    ]);
  });

  it('sandbox: loopback is allowed (localhost), private ranges and plain http elsewhere are not', async () => {
    expect(await post(`http://localhost:${port}/hook`, true)).toMatchObject({ statusCode: 200 });
    const privateName = await post(`https://private.test:${port}/`, true, async () => ['10.0.0.7']);
    expect(privateName.error).toMatch(/^refused: .*private/);
    const httpPublic = await post(`http://public.test:${port}/`, true, async () => ['93.184.216.34']);
    expect(httpPublic.error).toBe('refused: the url must use https');
    const unresolvable = await post(`https://nowhere.test:${port}/`, true, async () => {
      throw new Error('ENOTFOUND');
    });
    expect(unresolvable.error).toBe('refused: the url must have a host name that resolves');
    expect(connections).toBe(1);
  });
});
