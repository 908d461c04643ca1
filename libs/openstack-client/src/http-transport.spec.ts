import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { HttpTransport, redactUrl } from './http-transport';
import { OpenStackError } from './openstack.errors';
import { resolveClientOptions } from './openstack.options';

type Handler = (req: IncomingMessage, res: ServerResponse, hit: number) => void;

async function listen(handler: Handler, port = 0): Promise<{ server: Server; url: string; hits: () => number }> {
  let hits = 0;
  const server = createServer((req, res) => handler(req, res, ++hits));
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, hits: () => hits };
}

async function stop(server: Server): Promise<void> {
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
}

function logger() {
  return { warn: jest.fn(), debug: jest.fn() };
}

const noSleep = { sleep: async () => undefined };

describe('HttpTransport', () => {
  let server: Server | undefined;
  afterEach(async () => {
    if (server?.listening) await stop(server);
    server = undefined;
  });

  it('retries a GET on 503, honouring Retry-After, and returns the success with its request id', async () => {
    const sleeps: number[] = [];
    const s = await listen((_req, res, hit) => {
      if (hit === 1) {
        res.writeHead(503, { 'retry-after': '1', 'x-openstack-request-id': 'req-first' }).end('busy');
        return;
      }
      res
        .writeHead(200, { 'content-type': 'application/json', 'x-compute-request-id': 'req-second' })
        .end('{"ok":true}');
    });
    server = s.server;
    const log = logger();
    const transport = new HttpTransport(resolveClientOptions({ logger: log }), {
      sleep: async (ms) => void sleeps.push(ms),
    });
    const res = await transport.send({ method: 'GET', url: `${s.url}/x`, idempotent: true, operation: 'test.get' });
    expect(res).toMatchObject({ status: 200, body: { ok: true }, requestId: 'req-second' });
    expect(s.hits()).toBe(2);
    expect(sleeps).toEqual([1000]);
    expect(log.warn).toHaveBeenCalledWith(
      expect.stringContaining('retrying'),
      expect.objectContaining({ status: 503, requestId: 'req-first' }),
    );
  });

  it('gives up after `retries` extra attempts and returns the last 5xx answer', async () => {
    const s = await listen(
      (_req, res) =>
        void res
          .writeHead(500, { 'content-type': 'application/json' })
          .end('{"computeFault":{"code":500,"message":"boom"}}'),
    );
    server = s.server;
    const transport = new HttpTransport(resolveClientOptions({ retries: 2 }), noSleep);
    const res = await transport.send({ method: 'GET', url: s.url, idempotent: true, operation: 'test.get' });
    expect(res.status).toBe(500);
    expect(s.hits()).toBe(3);
  });

  it('never resends a non-idempotent POST that reached the server (500 or connection reset)', async () => {
    const s = await listen((req, res, hit) => {
      if (hit === 1) res.writeHead(500).end();
      else req.socket.destroy();
    });
    server = s.server;
    const transport = new HttpTransport(resolveClientOptions({ retries: 3 }), noSleep);
    const request = {
      method: 'POST' as const,
      url: s.url,
      json: { reboot: { type: 'SOFT' } },
      idempotent: false,
      operation: 'test.post',
    };
    expect((await transport.send(request)).status).toBe(500);
    await expect(transport.send(request)).rejects.toMatchObject({ name: 'OpenStackError', status: 0, code: 'network' });
    expect(s.hits()).toBe(2);
  });

  it('resends a POST whose connection was refused, once the server is up', async () => {
    const probe = await listen(() => undefined);
    const port = (probe.server.address() as AddressInfo).port;
    await stop(probe.server);
    let hits = 0;
    const transport = new HttpTransport(resolveClientOptions({ retries: 3 }), {
      // The first attempt is refused; the server comes up during the backoff.
      sleep: async () => {
        if (!server)
          server = (
            await listen((_req, res, hit) => {
              hits = hit;
              res.writeHead(202).end();
            }, port)
          ).server;
      },
    });
    const res = await transport.send({
      method: 'POST',
      url: `http://127.0.0.1:${port}/a`,
      json: {},
      idempotent: false,
      operation: 'test.post',
    });
    expect(res.status).toBe(202);
    expect(hits).toBe(1);
  });

  it('turns a slow answer into OpenStackError timeout (status 0), retried for reads only', async () => {
    const s = await listen((_req, res) => void setTimeout(() => res.writeHead(200).end('late'), 300).unref());
    server = s.server;
    const transport = new HttpTransport(resolveClientOptions({ timeoutMs: 50, retries: 1 }), noSleep);
    const get = transport.send({ method: 'GET', url: s.url, idempotent: true, operation: 'test.get' });
    await expect(get).rejects.toBeInstanceOf(OpenStackError);
    await expect(get).rejects.toMatchObject({ status: 0, code: 'timeout' });
    expect(s.hits()).toBe(2);
    await expect(
      transport.send({ method: 'POST', url: s.url, idempotent: false, operation: 'test.post' }),
    ).rejects.toMatchObject({ code: 'timeout' });
    expect(s.hits()).toBe(3);
  });

  it('starts each attempt’s timeout after its turn under the call ceiling, and sends a once-only request once', async () => {
    const s = await listen((_req, res) => void setTimeout(() => res.writeHead(202).end(), 100).unref());
    server = s.server;
    let turns = 0;
    const slowTurn = async () => {
      turns += 1;
      await new Promise((resolve) => setTimeout(resolve, 300));
    };
    const transport = new HttpTransport(resolveClientOptions({ timeoutMs: 250, retries: 3 }), {
      ...noSleep,
      beforeSend: slowTurn,
    });
    const res = await transport.send({ method: 'GET', url: s.url, idempotent: true, operation: 'test.get' });
    expect(res.status).toBe(202);
    expect(turns).toBe(1);

    const refused = new HttpTransport(resolveClientOptions({ retries: 3 }), noSleep);
    await expect(
      refused.send({ method: 'POST', url: 'http://127.0.0.1:1/', idempotent: false, operation: 'x', retries: 0 }),
    ).rejects.toMatchObject({ code: 'network' });
  });

  it('keeps secrets out of errors and logs', async () => {
    const log = logger();
    const transport = new HttpTransport(resolveClientOptions({ retries: 0, logger: log }), noSleep);
    const error = (await transport
      .send({
        method: 'POST',
        url: 'http://user:pw@127.0.0.1:1/v3/auth/tokens',
        headers: { 'x-auth-token': 'tok-secret' },
        json: { password: 'hunter2' },
        idempotent: false,
        operation: 'test.post',
      })
      .catch((e: unknown) => e)) as OpenStackError;
    const seen = JSON.stringify([error.message, log.warn.mock.calls]);
    expect(error.code).toBe('network');
    expect(seen).not.toMatch(/hunter2|tok-secret|pw@/);
    expect(redactUrl('http://a:b@h/x?marker=m&token=t')).toBe('http://h/x?marker=m&token=%E2%80%A6');
  });
});
