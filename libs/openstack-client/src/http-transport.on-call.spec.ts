import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { HttpTransport } from './http-transport';
import { OpenStackError } from './openstack.errors';
import { resolveClientOptions, type OpenStackCallReport } from './openstack.options';

describe('HttpTransport onCall', () => {
  let server: Server | undefined;
  afterEach(async () => {
    server?.closeAllConnections();
    await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
    server = undefined;
  });

  it('reports every attempt with its operation, status and duration, retries included', async () => {
    let hits = 0;
    server = createServer((_req, res) => void res.writeHead(++hits === 1 ? 503 : 200).end('{}'));
    await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const calls: OpenStackCallReport[] = [];
    let clock = 1000;
    const transport = new HttpTransport(resolveClientOptions({ onCall: (call) => calls.push(call) }), {
      sleep: async () => undefined,
      now: () => (clock += 7),
    });
    await transport.send({ method: 'GET', url, idempotent: true, operation: 'nova.getServer' });
    expect(calls).toEqual([
      { operation: 'nova.getServer', method: 'GET', status: 503, error: undefined, durationMs: 7 },
      { operation: 'nova.getServer', method: 'GET', status: 200, error: undefined, durationMs: 7 },
    ]);
  });

  it('reports a call that got no answer as status 0 with the reason, and survives a throwing observer', async () => {
    const calls: OpenStackCallReport[] = [];
    const transport = new HttpTransport(
      resolveClientOptions({
        retries: 0,
        onCall: (call) => {
          calls.push(call);
          throw new Error('observer bug');
        },
      }),
      {
        fetch: () => Promise.reject(Object.assign(new TypeError('fetch failed'), { cause: { code: 'ECONNREFUSED' } })),
      },
    );
    const sent = transport.send({
      method: 'POST',
      url: 'http://127.0.0.1:1/x',
      idempotent: false,
      operation: 'nova.reboot',
    });
    await expect(sent).rejects.toBeInstanceOf(OpenStackError);
    expect(calls).toEqual([expect.objectContaining({ operation: 'nova.reboot', status: 0, error: 'network' })]);
  });
});
